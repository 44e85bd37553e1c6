using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Therese.Release;

/// <summary>
/// The published executable started as a person starts it: from its folder, in an environment holding only what is
/// given (as `env -i` would: no dotnet on PATH, no DOTNET_ROOT, nothing of the test's own), its output kept.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private AppProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Output => string.Join('\n', _lines);

    public static AppProcess Start(string appFolder, IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(appFolder, "therese"), args)
        {
            WorkingDirectory = appFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return new AppProcess(Process.Start(start) ?? throw new InvalidOperationException("therese did not start"));
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/>; returns its match.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            foreach (var line in _lines)
                if (regex.Match(line) is { Success: true } match) return match;
            if (_process.HasExited)
            {
                _process.WaitForExit();
                foreach (var line in _lines)
                    if (regex.Match(line) is { Success: true } match) return match;
                throw new InvalidOperationException($"therese exited ({_process.ExitCode}) before printing /{pattern}/:\n{Output}");
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"therese did not print /{pattern}/ within {timeout}:\n{Output}");
    }

    /// <summary>The address THÉRÈSE says it listens on, once it says so.</summary>
    public async Task<string> WaitUntilListeningAsync(TimeSpan timeout) =>
        (await WaitForLineAsync(@"est ouverte à l’adresse (http://127\.0\.0\.1:\d+)", timeout)).Groups[1].Value;

    /// <summary>Ctrl+C in its terminal: SIGINT.</summary>
    public void Interrupt() => Signal(SigInt);

    /// <summary>Its terminal closed: SIGHUP.</summary>
    public void HangUp() => Signal(SigHup);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"therese did not exit within {timeout}:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>The native libraries mapped into the process (from /proc/PID/maps).</summary>
    public IReadOnlyList<string> MappedFiles() =>
        File.ReadAllLines($"/proc/{_process.Id}/maps")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length >= 6 && p[5].StartsWith('/'))
            .Select(p => p[5]).Distinct().ToList();

    private const int SigHup = 1;
    private const int SigInt = 2;

    private void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
