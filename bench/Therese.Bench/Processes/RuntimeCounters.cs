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

    private static bool _restored;

    public static RuntimeCounters Start(int pid, string repoRoot, string folder)
    {
        // A fresh clone has the tool in its manifest (.config/dotnet-tools.json) but not yet installed: restore it once per run.
        if (!_restored)
        {
            using (var restore = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "tool restore")
            {
                WorkingDirectory = repoRoot, RedirectStandardOutput = true, RedirectStandardError = true,
            }))
            {
                restore?.WaitForExit(120_000);
            }
            _restored = true;
        }
        var file = Path.Combine(folder, "counters.csv");
        var tool = ChildProcess.Start("dotnet",
            ["dotnet-counters", "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--refresh-interval", "1", "--format", "csv", "-o", file,
             "--counters", "System.Runtime[dotnet.gc.last_collection.heap.size,dotnet.process.memory.working_set]"], repoRoot);
        return new RuntimeCounters(tool, file);
    }

    /// <summary>
    /// The largest GC heap after a collection (all generations summed per sample), in bytes, among the samples taken
    /// between <paramref name="from"/> and <paramref name="to"/> (local time, as the tool writes it); null if none.
    /// </summary>
    public long? GcHeap(DateTime from, DateTime to)
    {
        if (!File.Exists(_file)) return null;
        string text;
        using (var stream = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream))
            text = reader.ReadToEnd();
        var byTime = new Dictionary<DateTime, double>();
        foreach (var line in text.Split('\n'))
        {
            if (!line.Contains("dotnet.gc.last_collection.heap.size", StringComparison.Ordinal)) continue;
            var parts = line.Split(',');
            if (parts.Length < 5) continue;
            if (!DateTime.TryParseExact(parts[0], "MM/dd/yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var at)) continue;
            if (!double.TryParse(parts[^1], CultureInfo.InvariantCulture, out var value)) continue;
            byTime[at] = byTime.GetValueOrDefault(at) + value;
        }
        var window = byTime.Where(kv => kv.Key >= from.AddSeconds(-1) && kv.Key <= to.AddSeconds(1)).Select(kv => kv.Value).ToList();
        return window.Count == 0 ? null : (long)window.Max();
    }

    public async ValueTask DisposeAsync()
    {
        if (_tool is not null) await _tool.DisposeAsync();
    }
}
