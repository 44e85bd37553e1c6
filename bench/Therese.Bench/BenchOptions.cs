namespace Therese.Bench;

/// <summary>
/// The command line. Default: every section, results into bench/results and the README.
/// --quick: small samples, seconds, results into a temp folder (never the committed ones).
/// </summary>
public sealed record BenchOptions
{
    public bool Quick { get; init; }
    public bool Browser { get; init; } = true;
    public bool Scale { get; init; } = true;
    /// <summary>Section 10, three instances behind nginx (--no-cluster leaves it out).</summary>
    public bool Cluster { get; init; } = true;
    /// <summary>Section 11, a model inside THÉRÈSE in a process of its own (--no-local leaves it out).</summary>
    public bool Local { get; init; } = true;
    /// <summary>Section 14, the server killed mid-answer (--no-crash leaves it out).</summary>
    public bool Crash { get; init; } = true;
    /// <summary>Only regenerate latest.md, the README table and the chart from an existing latest.json.</summary>
    public bool RenderOnly { get; init; }
    public required string OutputDir { get; init; }
    public bool WriteReadme { get; init; }
    public int[] ScaleLevels { get; init; } = [1000, 5000, 10000];
    /// <summary>Concurrent streams through the cluster (section 10), at 1 token/s; --cluster-levels 1000,2000.</summary>
    public int[] ClusterLevels { get; init; } = [1000, 2000];
    /// <summary>--only NAME: one section (first-token, relay, stop, storage, long, attachments, browser, scale, cluster, local, crash, tools), for profiling; results go to a temp folder.</summary>
    public string? Only { get; init; }
    /// <summary>--rounds N: rounds of section 1 (profiling).</summary>
    public int? Rounds { get; init; }

    public bool Runs(string section) => Only is null || Only == section;

    public static BenchOptions Parse(string[] args, string repoRoot)
    {
        var quick = args.Contains("--quick");
        var only = Value(args, "--only");
        var output = Value(args, "--out") ?? (quick || only is not null
            ? Path.Combine(Path.GetTempPath(), "therese-bench-quick")
            : Path.Combine(repoRoot, "bench", "results"));
        var levels = Value(args, "--scale-levels") is { } l ? l.Split(',').Select(int.Parse).ToArray() : quick ? [50] : [1000, 5000, 10000];
        var clusterLevels = Value(args, "--cluster-levels") is { } c ? c.Split(',').Select(int.Parse).ToArray() : quick ? [20] : [1000, 2000];
        return new BenchOptions
        {
            Quick = quick,
            Browser = !args.Contains("--no-browser") && (only is null || only == "browser"),
            Scale = !args.Contains("--no-scale") && (only is null || only == "scale"),
            Cluster = !args.Contains("--no-cluster") && (only is null || only == "cluster"),
            Local = !args.Contains("--no-local") && (only is null || only == "local"),
            Crash = !args.Contains("--no-crash") && (only is null || only == "crash"),
            RenderOnly = args.Contains("--render"),
            OutputDir = output,
            // Only a full run into the committed folder may rewrite the README.
            WriteReadme = !quick && only is null && Value(args, "--out") is null,
            Only = only,
            Rounds = Value(args, "--rounds") is { } rounds ? int.Parse(rounds) : null,
            ScaleLevels = levels,
            ClusterLevels = clusterLevels,
        };
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public string Mode => Quick ? "--quick" : "default";
}
