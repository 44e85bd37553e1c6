namespace Therese.Server.Llm.Local;

/// <summary>
/// How many physical cores generation should use. A second hyper-thread on the same core adds little to llama.cpp
/// and slows every token with synchronisation, so the default counts cores, not logical processors.
/// </summary>
internal static class CpuCores
{
    private static readonly Lazy<int> Physical = new(Count);

    public static int PhysicalCores => Physical.Value;

    private static int Count()
    {
        // Environment.ProcessorCount already honours the affinity mask and a container's CPU quota.
        var allowed = Environment.ProcessorCount;
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo")
                && CountCores(File.ReadAllText("/proc/cpuinfo")) is { } cores)
                return Math.Clamp(cores, 1, allowed);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return allowed;
    }

    /// <summary>
    /// Distinct (physical id, core id) pairs in /proc/cpuinfo, or null when the file does not say
    /// (some ARM and virtual machines list processors only).
    /// </summary>
    internal static int? CountCores(string cpuinfo)
    {
        var cores = new HashSet<(string Package, string Core)>();
        string package = "0", core = "";
        foreach (var raw in cpuinfo.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                if (core.Length > 0) cores.Add((package, core));
                package = "0";
                core = "";
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key == "physical id") package = value;
            else if (key == "core id") core = value;
        }
        if (core.Length > 0) cores.Add((package, core));
        return cores.Count > 0 ? cores.Count : null;
    }
}
