using System.Collections.Concurrent;
using System.Diagnostics;

namespace Therese.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster from the machine's binaries (Debian's postgresql package): initdb in a
/// temporary folder, started on a free loopback port without durability (fsync off), removed at the end.
/// As root it runs as the postgres user, which initdb requires.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _bin;
    private readonly string? _user;
    public int Port { get; }

    private PostgresServer(string root, string bin, string? user, int port)
    {
        _root = root;
        _bin = bin;
        _user = user;
        Port = port;
    }

    private string Data => Path.Combine(_root, "data");

    /// <summary>The postmaster's process id (its backends are its children), from postmaster.pid; null when it is not running.</summary>
    public int? ProcessId
    {
        get
        {
            try { return int.TryParse(File.ReadLines(Path.Combine(Data, "postmaster.pid")).FirstOrDefault(), out var pid) ? pid : null; }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
        }
    }

    public static string NotFound =>
        "PostgreSQL is not installed: the several-instances tests need it (apt-get install -y postgresql; .ci/run does it).";

    /// <summary>The newest /usr/lib/postgresql/N/bin, or null.</summary>
    public static string? FindBin()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            .FirstOrDefault();
    }

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBin() ?? throw new InvalidOperationException(NotFound);
        var root = Path.Combine(Path.GetTempPath(), "therese-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var user = ChildProcess.IsRoot ? "postgres" : null;
        if (user is not null) await ChildProcess.RunAsync("chown", [user, root], TimeSpan.FromSeconds(10));
        var server = new PostgresServer(root, bin, user, ServerProcess.FreePort());
        try
        {
            await ChildProcess.RunAsync(Path.Combine(bin, "initdb"),
                ["-D", server.Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], TimeSpan.FromMinutes(2), user);
            string[] options =
            [
                $"-p {server.Port}", "-c listen_addresses=127.0.0.1", $"-c unix_socket_directories={root}",
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=300",
            ];
            await ChildProcess.RunAsync(Path.Combine(bin, "pg_ctl"),
                ["-D", server.Data, "-l", Path.Combine(root, "postgres.log"), "-w", "-t", "60", "-o", string.Join(' ', options), "start"], TimeSpan.FromMinutes(2), user);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Creates an empty database, as an administrator does before the first start.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await ChildProcess.RunAsync(Path.Combine(_bin, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(), "-U", "postgres", name], TimeSpan.FromSeconds(30));
        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Maximum Pool Size=40";

    public string Log => File.Exists(Path.Combine(_root, "postgres.log")) ? File.ReadAllText(Path.Combine(_root, "postgres.log")) : "";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(Data, "postmaster.pid")))
                await ChildProcess.RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "stop"], TimeSpan.FromSeconds(30), _user);
        }
        catch (Exception) { }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A throwaway redis-server on a free loopback port, without persistence; it can be stopped and started again on that port.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    public int Port { get; }
    public string Configuration => $"127.0.0.1:{Port}";
    public int ProcessId => _process.Id;

    public static string NotFound =>
        "Redis is not installed: the several-instances tests need it (apt-get install -y redis-server; .ci/run does it).";

    private RedisServer(int port)
    {
        Port = port;
        _process = Launch();
    }

    private Process Launch()
    {
        _output.Clear();
        var exe = ChildProcess.Find("redis-server") ?? throw new InvalidOperationException(NotFound);
        return ChildProcess.Start(exe, ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], _output);
    }

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(ServerProcess.FreePort());
        await server.WaitReadyAsync();
        return server;
    }

    private async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!_output.Any(l => l.Contains("Ready to accept connections", StringComparison.Ordinal)))
        {
            if (_process.HasExited) throw new InvalidOperationException("redis-server exited:\n" + string.Join('\n', _output));
            if (DateTime.UtcNow > deadline) throw new TimeoutException("redis-server did not start:\n" + string.Join('\n', _output));
            await Task.Delay(50);
        }
    }

    /// <summary>Redis goes away (kill -9): everything it held is lost, as with a restart without persistence.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Redis comes back, empty, on the same port.</summary>
    public async Task RestartAsync()
    {
        Kill();
        _process.Dispose();
        _process = Launch();
        await WaitReadyAsync();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
