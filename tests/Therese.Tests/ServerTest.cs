using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Therese.Testing;

namespace Therese.Tests;

/// <summary>A test class with its own THÉRÈSE server and fake provider, fresh for every test.</summary>
public abstract class ServerTest : IAsyncLifetime
{
    protected ThereseHost Host { get; private set; } = null!;
    protected HttpClient Http { get; private set; } = null!;

    /// <summary>"anthropic", "openai", or null for no model configured.</summary>
    protected virtual string? Provider => "anthropic";
    protected virtual Dictionary<string, string?> Settings => [];

    /// <summary>Services that replace the app's own for this test (a fake clock).</summary>
    protected virtual Action<IServiceCollection>? Services => null;

    public async Task InitializeAsync()
    {
        Host = await ThereseHost.StartAsync(Provider, Settings, services: Services);
        Http = Host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>Restarts the server on the same data folder (its port changes) and points <see cref="Http"/> at it.</summary>
    protected async Task RestartAsync()
    {
        await Host.RestartAsync();
        Http.Dispose();
        Http = Host.CreateClient();
    }

    /// <summary>A client on another loopback address, such as 127.0.0.2: another client for THÉRÈSE, which tells them by IP.</summary>
    protected HttpClient ClientFrom(string address) => new(new SocketsHttpHandler
    {
        MaxResponseDrainSize = 0,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri(Host.BaseUrl) };

    protected async Task<JsonElement> GetConversation(string id)
    {
        using var response = await Http.GetAsync($"/api/conversations/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    protected static JsonElement LastAnswer(JsonElement conversation) =>
        conversation.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "assistant");

    protected static StringContent Json(object body) => JsonText(JsonSerializer.Serialize(body));
    protected static StringContent JsonText(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// The answers this server is writing, as its metric <c>therese.answers.running</c> reports them (the
    /// gauge of this host only: other tests run servers in the same process).
    /// </summary>
    protected int RunningAnswers()
    {
        var meters = Host.Services.GetRequiredService<IMeterFactory>();
        long? running = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "therese.answers.running" && ReferenceEquals(instrument.Meter.Scope, meters)) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => running = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return (int)(running ?? throw new InvalidOperationException("The server does not publish therese.answers.running."));
    }

    /// <summary>Nothing leaks: once every answer has ended, the running count comes back to 0 (at once, give or take a scheduling delay).</summary>
    protected async Task AssertNoAnswerRunningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (RunningAnswers() != 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(0, RunningAnswers());
    }

    /// <summary>A user-facing message: present, and French.</summary>
    protected static void AssertFrench(string message)
    {
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.Matches(@"[éèàêçùô]|\b(le|la|les|de|du|des|est|vous)\b", message);
    }
}
