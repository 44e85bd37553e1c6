using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Therese.Testing;

/// <summary>
/// THÉRÈSE as its own process (<c>dotnet Therese.Server.dll</c>, built beside the tests), for what only a
/// real process shows: being killed with SIGKILL, or refusing to start.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    public string BaseUrl { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Output => string.Join('\n', _output);

    private ServerProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>
    /// Starts the server with these command-line settings; <paramref name="urls"/> null picks a free loopback port;
    /// <paramref name="environment"/> adds variables (e.g. SSL_CERT_FILE, to trust a throwaway provider certificate).
    /// </summary>
    public static ServerProcess Start(IDictionary<string, string> settings, string? urls = null, IDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Therese.Server.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("The server is built beside the tests (project reference).", dll);
        urls ??= $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo(DotNet(), [dll, "--urls", urls, .. settings.Select(s => $"--{s.Key}={s.Value}")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        // Nothing from the machine may reach this server: no key, no provider address, no other environment.
        foreach (var name in new[] { "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" })
            start.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        return new ServerProcess(process, urls.Split(';')[0]);
    }

    /// <summary>Waits until the server answers its API.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The server exited ({_process.ExitCode}):\n{Output}");
            try
            {
                // 200 in personal mode, 401 in team mode: either way THÉRÈSE answers (it listens only once its storage is ready).
                using var response = await http.GetAsync(BaseUrl + "/api/auth/me");
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        // Slow or stuck: the CPU it used says which.
        _process.Refresh();
        throw new TimeoutException($"The server did not answer within {timeout} (it used {_process.TotalProcessorTime.TotalSeconds:0.0} s of CPU; load average {LoadAverage()}):\n{Output}");
    }

    /// <summary>kill -9: no shutdown, no flush, nothing THÉRÈSE can do about it.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        // Let the output readers reach the end of the streams.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) KillHard();
        await Task.CompletedTask;
        _process.Dispose();
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "unknown"; }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dotnet that runs these tests, so the server runs on the same runtime.</summary>
    private static string DotNet() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
