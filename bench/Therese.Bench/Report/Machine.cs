using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Therese.Bench.Report;

/// <summary>Facts about the machine and the checkout, read once per run.</summary>
public static class Machine
{
    public static string LoadAverage()
    {
        try { return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    /// <summary>The 1-minute load average, for the figures that note it beside each run.</summary>
    public static double Load1()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (IOException) { return double.NaN; }
    }

    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return "unknown"; }
    }

    public static bool IsRelease() =>
        System.Reflection.Assembly.GetExecutingAssembly().GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "THERESE.slnx"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    public static (string Commit, bool Dirty) Git(string root)
    {
        var commit = Run(root, "rev-parse", "HEAD")?.Trim() ?? "unknown";
        var status = Run(root, "status", "--porcelain", "--untracked-files=no");
        return (commit, !string.IsNullOrWhiteSpace(status));
    }

    private static string? Run(string dir, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo("git") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    public static RunInfo Describe(string mode, string command)
    {
        var (commit, dirty) = Git(RepoRoot());
        return new RunInfo
        {
            StartedAt = DateTimeOffset.UtcNow,
            Mode = mode,
            Command = command,
            Commit = commit,
            Dirty = dirty,
            Cpu = CpuModel(),
            Cores = Environment.ProcessorCount,
            Os = RuntimeInformation.OSDescription,
            Dotnet = RuntimeInformation.FrameworkDescription,
            Gc = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
            Build = IsRelease() ? "Release" : "Debug (numbers not representative)",
            LoadAtStart = LoadAverage(),
            AnthropicSdk = typeof(Anthropic.AnthropicClient).Assembly.GetName().Version?.ToString(3) ?? "",
        };
    }
}
