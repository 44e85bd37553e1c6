using System.Globalization;

namespace Therese.Bench.Processes;

/// <summary>What /proc says of a process: resident memory, CPU time, threads, open files.</summary>
public readonly record struct ProcStats(long RssBytes, double CpuSeconds, int Threads, int OpenFiles)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static ProcStats Read(int pid)
    {
        long rss = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = int.Parse(line.Split('\t', ' ').Last(s => s.Length > 0), CultureInfo.InvariantCulture);
        }
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th field, stime the 15th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var cpu = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        int files;
        try { files = Directory.GetFiles($"/proc/{pid}/fd").Length; }
        catch (UnauthorizedAccessException) { files = -1; }
        return new ProcStats(rss, cpu, threads, files);
    }

    /// <summary>
    /// CPU seconds of a process and all its descendants (nginx's workers, PostgreSQL's backends), children that ended and were
    /// waited for included (cutime, cstime); 0 when the process is gone.
    /// </summary>
    public static double TreeCpuSeconds(int root)
    {
        var parent = new Dictionary<int, int>();
        var cpu = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parent[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                cpu[pid] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                    + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        bool InTree(int pid)
        {
            for (var depth = 0; depth < 64 && pid > 1; depth++)
            {
                if (pid == root) return true;
                if (!parent.TryGetValue(pid, out pid)) return false;
            }
            return false;
        }
        return cpu.Where(kv => InTree(kv.Key)).Sum(kv => kv.Value);
    }
}
