using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Therese.FakeLlm;

namespace Therese.Testing;

/// <summary>
/// The real THÉRÈSE server on Kestrel (a free loopback port, its own data folder) talking to the
/// fake provider over real HTTP. Restartable on the same data folder.
/// </summary>
public sealed class ThereseHost : IAsyncDisposable
{
    private WebApplicationFactory<Program>? _app;
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _production;

    public FakeLlmServer Fake { get; }
    public LogCapture Logs { get; } = new();
    public string DataDir { get; }
    public string BaseUrl { get; private set; } = "";

    private ThereseHost(FakeLlmServer fake, string dataDir, Dictionary<string, string?> settings, bool production)
    {
        Fake = fake;
        DataDir = dataDir;
        _settings = settings;
        _production = production;
    }

    /// <param name="provider">"anthropic", "openai", or null for a server with no model configured.</param>
    /// <param name="production">
    /// Run as THÉRÈSE runs on its own (Production environment, its own logging), as the benchmark does;
    /// by default the server is in Development and every log line is kept in <see cref="Logs"/>.
    /// </param>
    public static async Task<ThereseHost> StartAsync(
        string? provider = "anthropic", IDictionary<string, string?>? settings = null, bool production = false)
    {
        var fake = await FakeLlmServer.StartAsync();
        var dataDir = Path.Combine(Path.GetTempPath(), "therese-tests", Guid.NewGuid().ToString("N"));
        var all = new Dictionary<string, string?>
        {
            ["Therese:DataDir"] = dataDir,
            ["Therese:Llm:Provider"] = provider ?? "",
            ["Therese:Llm:ApiKey"] = provider is null ? "" : "test-key",
            ["Therese:Llm:BaseUrl"] = provider switch
            {
                "openai" => fake.BaseUrl + "/v1",
                null => "",
                _ => fake.BaseUrl,
            },
            ["Therese:Llm:Model"] = "fake-model",
            ["Therese:Llm:MaxRetries"] = "2",
            // Model downloads come from the fake's hub: no test ever reaches huggingface.co.
            ["Therese:Models:HubUrl"] = fake.BaseUrl,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var host = new ThereseHost(fake, dataDir, all, production);
        await host.StartOnOwnThreadAsync();
        return host;
    }

    private void Start()
    {
        var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach (var (k, v) in _settings) b.UseSetting(k, v);
            // A free port, never the default 17293 that a running THÉRÈSE may hold.
            b.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
            // The machine's environment must not leak a real key into the tests.
            b.UseSetting("ANTHROPIC_API_KEY", "");
            b.UseSetting("OPENAI_API_KEY", "");
            b.UseSetting("ANTHROPIC_BASE_URL", "");
            b.UseSetting("OPENAI_BASE_URL", "");
            if (_production)
                b.UseEnvironment(Environments.Production);
            else
                b.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        });
        app.UseKestrel();
        app.StartServer();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseUrl = addresses.Addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/');
        _app = app;
    }

    /// <summary>Stops the server as a crash would leave it, then starts it again on the same data folder.</summary>
    public async Task RestartAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        await StartOnOwnThreadAsync();
    }

    /// <summary>WebApplicationFactory starts its host synchronously: keep that wait off the thread pool.</summary>
    private Task StartOnOwnThreadAsync() =>
        Task.Factory.StartNew(Start, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public IServiceProvider Services => _app!.Services;

    /// <summary>An HTTP client that, like a browser, closes its connection when a request is cancelled.</summary>
    public HttpClient CreateClient() => new(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
    {
        BaseAddress = new Uri(BaseUrl),
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        await Fake.DisposeAsync();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
