using System.Diagnostics;
using System.Security.Cryptography;

namespace Therese.Release;

/// <summary>
/// Every test here shares one set of archives, built once by scripts/publish.sh (the real command of a release), and
/// runs after the others: publishing takes both cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReleaseCollection : ICollectionFixture<ReleaseArchives>
{
    public const string Name = "Release archives";
}

/// <summary>
/// The archives of every target in dist/.test, built by scripts/publish.sh without ReadyToRun: the same layout and the
/// same code as a release, minus the precompiled native code, which costs over three times the publishing time
/// (5 min instead of 1.5 for linux-x64 on the shared 2-core machine) and would take the suite past its time budget.
/// The released, ReadyToRun build is launched by the benchmark (--release).
/// </summary>
public sealed class ReleaseArchives : IDisposable
{
    public static readonly string[] Targets = ["linux-x64", "linux-arm64", "win-x64", "osx-arm64", "osx-x64"];

    public string RepoRoot { get; }
    public string Dist { get; }
    public string Version { get; }
    public string Log { get; }
    private readonly List<string> _extracted = [];

    public ReleaseArchives()
    {
        RepoRoot = FindRepoRoot();
        Dist = Path.Combine(RepoRoot, "dist", ".test");
        Version = ReadVersion(RepoRoot);
        // THERESE_RELEASE_REUSE=1 (a developer's loop on these tests, never CI) takes the archives of the last run as they are.
        if (System.Environment.GetEnvironmentVariable("THERESE_RELEASE_REUSE") == "1" && Targets.All(t => File.Exists(ArchiveOf(t))))
        {
            Log = "archives of the last run reused (THERESE_RELEASE_REUSE=1)";
            return;
        }
        // Last run's archives must not pass for this run's.
        foreach (var old in Directory.Exists(Dist) ? Directory.GetFiles(Dist) : []) File.Delete(old);
        Log = Publish(Targets, readyToRun: false);
    }

    public string ArchiveOf(string rid) => Path.Combine(Dist, $"therese-{Version}-{rid}{(rid.StartsWith("win-", StringComparison.Ordinal) ? ".zip" : ".tar.gz")}");

    /// <summary>The linux-x64 archive extracted with tar into a new folder, as a person would: returns the app's folder.</summary>
    public string ExtractLinux()
    {
        var into = Path.Combine(Path.GetTempPath(), "therese-release-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(into);
        _extracted.Add(into);
        Run("tar", ["-xzf", ArchiveOf("linux-x64"), "-C", into], TimeSpan.FromMinutes(2));
        return Path.Combine(into, $"therese-{Version}");
    }

    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private string Publish(string[] rids, bool readyToRun)
    {
        var started = Stopwatch.StartNew();
        var output = Run("bash", ["scripts/publish.sh", .. rids], TimeSpan.FromMinutes(30), new Dictionary<string, string>
        {
            ["THERESE_DIST"] = Dist,
            ["THERESE_READY_TO_RUN"] = readyToRun ? "true" : "false",
        });
        return $"publish.sh {string.Join(' ', rids)} (ReadyToRun {readyToRun}): {started.Elapsed.TotalSeconds:0} s\n{output}";
    }

    private string Run(string file, string[] args, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not end within {timeout}");
        }
        var text = stdout.Result + stderr.Result;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}):\n{text}");
        return text;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "THERESE.slnx"))) return dir.FullName;
        throw new InvalidOperationException("THERESE.slnx not found above " + AppContext.BaseDirectory);
    }

    private static string ReadVersion(string root)
    {
        var props = File.ReadAllText(Path.Combine(root, "Directory.Build.props"));
        var match = System.Text.RegularExpressions.Regex.Match(props, "<Version>([^<]+)</Version>");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException("No <Version> in Directory.Build.props");
    }

    public void Dispose()
    {
        foreach (var folder in _extracted)
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
