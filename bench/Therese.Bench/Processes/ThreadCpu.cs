using System.Globalization;

namespace Therese.Bench.Processes;

/// <summary>
/// CPU time of each thread of a process, with the thread's name, from /proc/{pid}/task: schedstat's run time in
/// nanoseconds where the kernel has it, else stat's utime + stime in clock ticks. Thread names are what Linux keeps
/// (15 characters): the .NET runtime names its own threads (".NET Tiered Com" is the tiered JIT's background
/// compiler, ".NET TP Worker" a thread-pool thread); llama.cpp's OpenMP workers inherit the name of the thread that
/// created them.
/// </summary>
public sealed record ThreadCpu(IReadOnlyDictionary<int, (string Name, double Seconds)> Threads)
{
    /// <summary>The name the tiered JIT's background compilation thread has in /proc.</summary>
    public const string TieredJit = ".NET Tiered Com";

    public static ThreadCpu Read(int pid)
    {
        var threads = new Dictionary<int, (string, double)>();
        foreach (var dir in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)) continue;
            try
            {
                var name = File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n');
                threads[tid] = (name, Seconds(dir));
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }
        return new ThreadCpu(threads);
    }

    private static double Seconds(string dir)
    {
        var schedstat = Path.Combine(dir, "schedstat");
        if (File.Exists(schedstat))
            return long.Parse(File.ReadAllText(schedstat).Split(' ')[0], CultureInfo.InvariantCulture) / 1e9;
        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>CPU seconds used between <paramref name="earlier"/> and this reading: all threads, and those of the tiered JIT.</summary>
    public (double All, double Jit) Since(ThreadCpu earlier)
    {
        double all = 0, jit = 0;
        foreach (var (tid, (name, seconds)) in Threads)
        {
            var used = seconds - (earlier.Threads.TryGetValue(tid, out var before) ? before.Seconds : 0);
            all += used;
            if (name == TieredJit) jit += used;
        }
        return (all, jit);
    }
}
