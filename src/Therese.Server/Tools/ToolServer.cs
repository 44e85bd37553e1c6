using ModelContextProtocol.Client;

namespace Therese.Server.Tools;

/// <summary>
/// One MCP server and THÉRÈSE's connection to it, through the official SDK. It connects in the background; when the
/// session ends (the process crashed, the address stopped answering) its tools are unavailable and it reconnects
/// with backoff (1 s, 2 s, 4 s… up to a minute) until it is removed.
/// </summary>
public sealed class ToolServer : IAsyncDisposable
{
    public static class States
    {
        public const string Starting = "starting";
        public const string Connected = "connected";
        public const string Failed = "failed";
        public const string Stopped = "stopped";
    }

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _life = new();
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private Task _running = Task.CompletedTask;
    private int _disposed;
    private volatile Session? _session;
    private volatile string _state = States.Starting;
    private volatile string? _reason;
    private TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ToolServer(string name, ToolServerConfig config, string source, ILoggerFactory loggers)
    {
        Name = name;
        Config = config;
        Source = source;
        _loggers = loggers;
        _logger = loggers.CreateLogger<ToolServer>();
    }

    private sealed record Session(McpClient Client, IReadOnlyList<McpClientTool> Tools);

    public string Name { get; }
    public ToolServerConfig Config { get; }

    /// <summary><c>config</c> (read-only on the page) or <c>settings</c>.</summary>
    public string Source { get; }

    public string State => _state;

    /// <summary>Why it is not connected, in French; null when connected or starting.</summary>
    public string? Reason => _reason;

    /// <summary>Its tools while connected; none otherwise.</summary>
    public IReadOnlyList<McpClientTool> Tools => _session?.Tools ?? [];

    /// <summary>The tools it had when it was last connected: while it restarts they are still offered, and a call is told it is down.</summary>
    public IReadOnlyList<McpClientTool> KnownTools { get; private set; } = [];

    public ToolServer Start()
    {
        _running = RunAsync(_life.Token);
        return this;
    }

    /// <summary>Completes once the server is connected or has failed (its first attempt, or the next one).</summary>
    public Task SettledAsync(CancellationToken ct) => _settled.Task.WaitAsync(ct);

    private async Task RunAsync(CancellationToken ct)
    {
        var retry = FirstRetry;
        while (!ct.IsCancellationRequested)
        {
            Set(States.Starting, null, settled: false);
            McpClient? client = null;
            try
            {
                using var connecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
                connecting.CancelAfter(ConnectTimeout);
                client = await McpClient.CreateAsync(Transport(), new McpClientOptions
                {
                    ClientInfo = new() { Name = "THERESE", Version = "1.0" },
                }, _loggers, connecting.Token);
                var tools = await client.ListToolsAsync(cancellationToken: connecting.Token);
                _session = new Session(client, [.. tools]);
                KnownTools = _session.Tools;
                Set(States.Connected, null, settled: true);
                _logger.LogInformation("MCP server {Server} connected with {Count} tools", Name, tools.Count);
                retry = FirstRetry;
                var ended = await client.Completion.WaitAsync(ct);
                // The type only: the SDK's messages can quote a header's value or the server's stderr.
                _logger.LogWarning("MCP server {Server} ended its session: {Reason}", Name, ended.Exception?.GetType().Name ?? "closed");
                Set(States.Failed, "Le serveur d’outils s’est arrêté ; THÉRÈSE le redémarre.", settled: true);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogWarning("MCP server {Server} could not be reached: {Type}", Name, ex.GetType().Name);
                _logger.LogDebug(ex, "MCP server {Server} could not be reached", Name);
                Set(States.Failed, FailureReason(ex), settled: true);
            }
            finally
            {
                _session = null;
                if (client is not null) await DisposeQuietlyAsync(client);
            }
            try
            {
                await Task.Delay(retry, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            retry = retry * 2 < LastRetry ? retry * 2 : LastRetry;
        }
        Set(States.Stopped, null, settled: true);
    }

    /// <summary>
    /// Why, in French, without the exception's own text: the SDK's messages can quote a header's value or the tail of
    /// the server's stderr, and this reason is shown to everyone who opens « Outils ».
    /// </summary>
    private string FailureReason(Exception ex) => (Config.Url is null, ex) switch
    {
        (true, System.ComponentModel.Win32Exception) => $"La commande « {Config.Command} » est introuvable ou ne peut pas être lancée.",
        (true, TimeoutException or OperationCanceledException) => $"La commande « {Config.Command} » n’a pas répondu comme un serveur MCP à temps.",
        (true, _) => $"La commande « {Config.Command} » n’a pas pu démarrer un serveur MCP (elle s’est arrêtée ou ne parle pas le protocole MCP).",
        (false, TimeoutException or OperationCanceledException) => $"L’adresse {Config.Url} n’a pas répondu à temps.",
        (false, HttpRequestException { StatusCode: { } code }) => $"L’adresse {Config.Url} a répondu {(int)code} au lieu d’un serveur MCP.",
        (false, HttpRequestException) => $"L’adresse {Config.Url} ne répond pas.",
        (false, _) => $"L’adresse {Config.Url} ne répond pas comme un serveur MCP.",
    };

    private void Set(string state, string? reason, bool settled)
    {
        _state = state;
        _reason = reason;
        if (settled) _settled.TrySetResult();
        else if (_settled.Task.IsCompleted) _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private IClientTransport Transport()
    {
        if (Config.Url is { } url)
            return new HttpClientTransport(new HttpClientTransportOptions
            {
                Name = Name,
                Endpoint = new Uri(url),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = Config.Headers,
            }, _loggers);
        return new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = Name,
            Command = Config.Command!,
            Arguments = Config.Args,
            EnvironmentVariables = Config.Env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
            // What the server writes on stderr can hold anything: kept out of the Information log.
            StandardErrorLines = line => _logger.LogDebug("MCP server {Server} stderr: {Line}", Name, line),
        }, _loggers);
    }

    /// <summary>The session to call a tool on, or null while the server is not connected.</summary>
    public McpClient? Client => _session?.Client;

    private static async Task DisposeQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync();
        }
        catch (Exception)
        {
            // Already gone.
        }
    }

    /// <summary>Stops the server once, however many callers (a removal in Réglages and the shutdown can both get here).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _life.CancelAsync();
            await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _life.Dispose();
        }
        else
        {
            await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
