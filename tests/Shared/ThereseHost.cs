using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
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
    private readonly Action<IServiceCollection>? _services;

    public FakeLlmServer Fake { get; }
    public LogCapture Logs { get; } = new();
    public string DataDir { get; }
    public string BaseUrl { get; private set; } = "";

    private ThereseHost(FakeLlmServer fake, string dataDir, Dictionary<string, string?> settings, bool production, Action<IServiceCollection>? services)
    {
        _services = services;
        Fake = fake;
        DataDir = dataDir;
        _settings = settings;
        _production = production;
    }

    /// <param name="provider">
    /// "anthropic" or "openai": the fake provider pinned by configuration. null: nothing configured, as a
    /// new user's THÉRÈSE starts (the page chooses the model).
    /// </param>
    /// <param name="production">
    /// Run as THÉRÈSE runs on its own (Production environment, its own logging), as the benchmark does;
    /// by default the server is in Development and every log line is kept in <see cref="Logs"/>.
    /// </param>
    /// <param name="services">Replaces services after the app's own (a fake clock).</param>
    public static async Task<ThereseHost> StartAsync(
        string? provider = "anthropic", IDictionary<string, string?>? settings = null, bool production = false, Action<IServiceCollection>? services = null)
    {
        var fake = await FakeLlmServer.StartAsync();
        var dataDir = Path.Combine(Path.GetTempPath(), "therese-tests", Guid.NewGuid().ToString("N"));
        var all = new Dictionary<string, string?>
        {
            ["Therese:DataDir"] = dataDir,
            ["Therese:Llm:MaxRetries"] = "2",
            // The machine's environment must not leak a real key or address into the tests.
            ["ANTHROPIC_API_KEY"] = "",
            ["OPENAI_API_KEY"] = "",
            ["ANTHROPIC_BASE_URL"] = "",
            ["OPENAI_BASE_URL"] = "",
            // Onboarding looks for an Ollama: the fake answers as one (its /api/tags).
            ["Therese:Ollama:Url"] = fake.BaseUrl,
            // Model downloads come from the fake's hub: no test ever reaches huggingface.co.
            ["Therese:Models:HubUrl"] = fake.BaseUrl,
        };
        // A provider pinned by configuration, as an administrator would; null leaves the choice to the page.
        if (provider is not null)
        {
            all["Therese:Llm:Provider"] = provider;
            all["Therese:Llm:ApiKey"] = "test-key";
            all["Therese:Llm:BaseUrl"] = provider == "openai" ? fake.BaseUrl + "/v1" : fake.BaseUrl;
            all["Therese:Llm:Model"] = "fake-model";
        }
        // "{fake}" in a value stands for the fake provider's address, known only now.
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v?.Replace("{fake}", fake.BaseUrl, StringComparison.Ordinal);
        var host = new ThereseHost(fake, dataDir, all, production, services);
        try
        {
            await host.StartOnOwnThreadAsync();
        }
        catch
        {
            // A server that refuses to start (invalid settings) leaves nothing running behind it.
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    private void Start()
    {
        var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach (var (k, v) in _settings) b.UseSetting(k, v);
            // A free port, never the default 17293 that a running THÉRÈSE may hold.
            b.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
            if (_services is not null) b.ConfigureTestServices(_services);
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
    /// <param name="cookies">Keep cookies, as a browser does (team mode's session).</param>
    public HttpClient CreateClient(bool cookies = false) => new(new SocketsHttpHandler
    {
        MaxResponseDrainSize = 0,
        ResponseDrainTimeout = TimeSpan.Zero,
        UseCookies = cookies,
        CookieContainer = new System.Net.CookieContainer(),
    })
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
