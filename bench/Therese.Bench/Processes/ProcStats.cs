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
}
