using System.Diagnostics;
using Anthropic;
using Microsoft.Extensions.AI;
using Therese.FakeLlm;
using Therese.Server.Llm;
using Therese.Testing;

namespace Therese.Bench;

/// <summary>What the in-process scenarios share: the fake provider, THÉRÈSE, the bare relay and the clients.</summary>
public sealed class BenchContext : IAsyncDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private BenchContext(BenchOptions options, ThereseHost host, MinimalRelay relay)
    {
        Options = options;
        Host = host;
        Relay = relay;
        Http = host.CreateClient();
        RelayHttp = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
        {
            BaseAddress = new Uri(relay.BaseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };
        // The same HttpClient settings THÉRÈSE uses for its provider, so direct and relayed runs differ only by the relay.
        Direct = new AnthropicClient(new Anthropic.Core.ClientOptions
        {
            ApiKey = "k", BaseUrl = host.Fake.BaseUrl, MaxRetries = 0, HttpClient = ProviderHttp.Create(),
        }).AsIChatClient("fake-model", 16000);
    }

    public BenchOptions Options { get; }
    public ThereseHost Host { get; }
    public FakeLlmServer Fake => Host.Fake;
    public MinimalRelay Relay { get; }
    /// <summary>Client of THÉRÈSE (closes its connection on cancel, as a browser does).</summary>
    public HttpClient Http { get; }
    /// <summary>Client of the bare relay, with the same settings.</summary>
    public HttpClient RelayHttp { get; }
    /// <summary>The Anthropic SDK straight to the fake.</summary>
    public IChatClient Direct { get; }

    public static async Task<BenchContext> StartAsync(BenchOptions options)
    {
        // The server as THÉRÈSE runs on its own (Production), with MaxTokens large enough for 10,000 tokens, no
        // retries, and Warning logs so that per-request lines do not end up in the report.
        var host = await ThereseHost.StartAsync("anthropic", new Dictionary<string, string?>
        {
            ["Therese:Llm:MaxTokens"] = "16000",
            ["Therese:Llm:MaxRetries"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        }, production: true);
        var relay = await MinimalRelay.StartAsync(host.Fake.BaseUrl);
        return new BenchContext(options, host, relay);
    }

    /// <summary>A user message carrying a fake directive, unique so that no cache could help.</summary>
    public static string Message(string directive) => $"Mesure {Guid.NewGuid():N}\n::fake {directive}";

    public void Progress(string line) => Console.Error.WriteLine($"[bench {_clock.Elapsed.TotalSeconds,6:0.0}s] {line}");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        RelayHttp.Dispose();
        await Relay.DisposeAsync();
        await Host.DisposeAsync();
    }
}
