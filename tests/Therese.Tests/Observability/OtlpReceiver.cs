using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Therese.Tests.Observability;

/// <summary>
/// A collector that takes OTLP over HTTP (protobuf) and keeps every body by signal, unread: protobuf keeps strings as
/// plain UTF-8, so a test can look for a name in them, or make sure some text is not there.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Signal, byte[] Body)> _received = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        // THÉRÈSE, in the same process, traces every ASP.NET Core host it can hear: not this one, or each export
        // would make a span of the next.
        builder.Services.AddSingleton(new DiagnosticListener("Therese.Tests.OtlpReceiver"));
        builder.Services.AddSingleton(new ActivitySource("Therese.Tests.OtlpReceiver"));
        var receiver = new OtlpReceiver(builder.Build());
        receiver._app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver._received.Enqueue((signal, body.ToArray()));
            // An empty Export*ServiceResponse: everything was accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        await receiver._app.StartAsync();
        receiver.BaseUrl = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return receiver;
    }

    /// <summary>Every body received for this signal ("traces", "metrics"), read as UTF-8 (the binary parts become noise).</summary>
    public string Text(string signal) =>
        string.Join("\n", _received.Where(r => r.Signal == signal).Select(r => Encoding.UTF8.GetString(r.Body)));

    public IEnumerable<string> Signals => _received.Select(r => r.Signal).Distinct();

    /// <summary>Waits until every one of <paramref name="names"/> arrived for the signal.</summary>
    public async Task<string> WaitForAsync(string signal, params string[] names)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var text = Text(signal);
            var missing = names.Where(n => !text.Contains(n, StringComparison.Ordinal)).ToList();
            if (missing.Count == 0) return text;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No {string.Join(", ", missing)} in the {signal} received (signals: {string.Join(", ", Signals)}).");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
