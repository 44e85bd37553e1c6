using System.Globalization;

namespace Therese.Bench.Processes;

/// <summary>
/// The server's GC heap, read from outside with dotnet-counters (local tool, System.Runtime meter) every second into a CSV.
/// </summary>
public sealed class RuntimeCounters : IAsyncDisposable
{
    private readonly ChildProcess? _tool;
    private readonly string _file;

    private RuntimeCounters(ChildProcess? tool, string file)
    {
        _tool = tool;
        _file = file;
    }

    public static RuntimeCounters Start(int pid, string repoRoot, string folder)
    {
        var file = Path.Combine(folder, "counters.csv");
        var tool = ChildProcess.Start("dotnet",
            ["dotnet-counters", "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--refresh-interval", "1", "--format", "csv", "-o", file,
             "--counters", "System.Runtime[dotnet.gc.last_collection.heap.size,dotnet.process.memory.working_set]"], repoRoot);
        return new RuntimeCounters(tool, file);
    }

    /// <summary>The GC heap after the last collection (all generations), in bytes, as sampled at or after <paramref name="since"/>; null if none yet.</summary>
    public long? GcHeapAfter(DateTime since, DateTime until)
    {
        if (!File.Exists(_file)) return null;
        string[] lines;
        using (var stream = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
            lines = reader.ReadToEnd().Split('\n');
        var byTime = new Dictionary<DateTime, double>();
        foreach (var line in lines)
        {
            if (!line.Contains("dotnet.gc.last_collection.heap.size", StringComparison.Ordinal)) continue;
            var parts = line.Split(',');
            if (parts.Length < 5 || !DateTime.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var at)) continue;
            if (!double.TryParse(parts[^1], CultureInfo.InvariantCulture, out var value)) continue;
            byTime[at] = byTime.GetValueOrDefault(at) + value;
        }
        var window = byTime.Where(kv => kv.Key >= since && kv.Key <= until).Select(kv => kv.Value).ToList();
        return window.Count == 0 ? null : (long)window.Max();
    }

    public async ValueTask DisposeAsync()
    {
        if (_tool is not null) await _tool.DisposeAsync();
    }
}
