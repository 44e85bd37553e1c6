using System.Collections.Concurrent;
using System.Diagnostics;

namespace Therese.Testing;

/// <summary>Runs the machine's programs for the tests (PostgreSQL, Redis, nginx), keeping their output for failure messages.</summary>
public static class ChildProcess
{
    /// <summary>Runs a command to its end; throws with its output when it fails.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, string? asUser = null)
    {
        var (exe, argv) = asUser is null ? (file, args.ToList()) : ("runuser", ["-u", asUser, "--", file, .. args]);
        var start = new ProcessStartInfo(exe, argv)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not end within {timeout}.");
        }
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}):\n{output}");
        return output;
    }

    /// <summary>Starts a long-running program; its output is kept in <paramref name="output"/>.</summary>
    public static Process Start(string file, IEnumerable<string> args, ConcurrentQueue<string> output)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The absolute path of a program, or null when the machine does not have it.</summary>
    public static string? Find(string name, params string[] extraFolders)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in extraFolders.Concat(path.Split(':', StringSplitOptions.RemoveEmptyEntries)).Concat(["/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static bool IsRoot => Environment.UserName == "root";
}
