using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Therese.FakeLlm;

namespace Therese.Bench;

/// <summary>
/// The real THÉRÈSE server (its Program, its configuration, Kestrel on a free loopback port, a temp data folder),
/// in this process, against the in-process fake provider. Same approach as tests/Shared/ThereseHost.cs,
/// but in the Production environment and with a MaxTokens large enough for the 10,000-token answer.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _app;

    public FakeLlmServer Fake { get; }
    public string DataDir { get; }
    public string BaseUrl { get; }
    public IServiceProvider Services => _app.Services;

    private BenchHost(WebApplicationFactory<Program> app, FakeLlmServer fake, string dataDir, string baseUrl)
    {
        _app = app;
        Fake = fake;
        DataDir = dataDir;
        BaseUrl = baseUrl;
    }

    public static async Task<BenchHost> StartAsync()
    {
        var fake = await FakeLlmServer.StartAsync();
        var dataDir = Path.Combine(Path.GetTempPath(), "therese-bench", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["Therese:DataDir"] = dataDir,
            ["Therese:Llm:Provider"] = "anthropic",
            ["Therese:Llm:ApiKey"] = "bench-key",
            ["Therese:Llm:BaseUrl"] = fake.BaseUrl,
            ["Therese:Llm:Model"] = "fake-model",
            ["Therese:Llm:MaxTokens"] = "16000",
            ["Therese:Llm:MaxRetries"] = "0",
            // Per-request Information logs would be printed into the report; the product's own levels otherwise.
            ["Logging:LogLevel:Default"] = "Warning",
            ["ANTHROPIC_API_KEY"] = "",
            ["OPENAI_API_KEY"] = "",
            ["ANTHROPIC_BASE_URL"] = "",
            ["OPENAI_BASE_URL"] = "",
        };
        var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment(Environments.Production);
            foreach (var (k, v) in settings) b.UseSetting(k, v);
            b.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        });
        app.UseKestrel();
        app.StartServer();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        var baseUrl = addresses.Addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/');
        return new BenchHost(app, fake, dataDir, baseUrl);
    }

    /// <summary>Like a browser: a cancelled or disposed response closes its connection at once (no draining).</summary>
    public HttpClient CreateClient() => new(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
    {
        BaseAddress = new Uri(BaseUrl),
        Timeout = TimeSpan.FromMinutes(5),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await Fake.DisposeAsync();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
