using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Therese.E2E.Infrastructure;

/// <summary>THERESE_E2E_PROFILE=1: records a CPU profile of the page to find what makes a long task.</summary>
public static class PageProfiler
{
    public static async Task<ICDPSession?> StartAsync(IBrowserContext context, IPage page)
    {
        if (Environment.GetEnvironmentVariable("THERESE_E2E_PROFILE") != "1") return null;
        var profiler = await context.NewCDPSessionAsync(page);
        await profiler.SendAsync("Profiler.enable");
        await profiler.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 250 });
        await profiler.SendAsync("Profiler.start");
        return profiler;
    }

    /// <summary>Saves the profile beside the test binaries and prints the functions with the most self time.</summary>
    public static async Task SaveAsync(ICDPSession profiler, string name, ITestOutputHelper output)
    {
        var result = await profiler.SendAsync("Profiler.stop");
        var profile = result!.Value.GetProperty("profile");
        var path = Path.Combine(AppContext.BaseDirectory, "e2e-artifacts", name + ".cpuprofile");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, profile.GetRawText());
        var nodes = profile.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetInt32());
        var deltas = profile.GetProperty("timeDeltas").EnumerateArray().Select(d => d.GetDouble()).ToList();
        var samples = profile.GetProperty("samples").EnumerateArray().Select(s => s.GetInt32()).ToList();
        var self = new Dictionary<string, double>();
        for (var i = 0; i < samples.Count - 1; i++)
        {
            var frame = nodes[samples[i]].GetProperty("callFrame");
            var url = frame.GetProperty("url").GetString() ?? "";
            var key = $"{frame.GetProperty("functionName").GetString()} {Path.GetFileName(url)}:{frame.GetProperty("lineNumber")}:{frame.GetProperty("columnNumber")}";
            self[key] = self.GetValueOrDefault(key) + deltas[i + 1] / 1000.0;
        }
        output.WriteLine($"CPU profile: {path}; most self time (ms):");
        foreach (var (key, ms) in self.OrderByDescending(kv => kv.Value).Take(25)) output.WriteLine($"  {ms,8:F1}  {key}");
    }
}
