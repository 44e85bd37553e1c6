using System.Globalization;
using Therese.Bench.Report;
using Therese.Bench.Scenarios;

namespace Therese.Bench;

/// <summary>
/// Entry point (not top-level statements: the server's own Program must stay the only one). Runs each
/// scenario, then writes latest.json and, from it, latest.md, the scale chart and the README table.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var root = Machine.RepoRoot();
        // The downloads: archive sizes and launch times (bench/results/release.json), apart from the streaming figures.
        if (args.Contains("--release")) return await Release.ReleaseBench.RunAsync(args, root);
        // Issue 23's export and import figures: a run of their own (bench/results/data.md).
        if (args.Contains("--data")) return await DataRightsScenario.RunAsync(root, args.Contains("--quick"));
        var options = BenchOptions.Parse(args, root);
        Directory.CreateDirectory(options.OutputDir);
        var json = Path.Combine(options.OutputDir, "latest.json");

        BenchReport report;
        if (options.RenderOnly)
        {
            report = BenchReport.FromJson(await File.ReadAllTextAsync(json));
        }
        else
        {
            report = await RunAsync(options);
            Goals.Evaluate(report);
            await File.WriteAllTextAsync(json, report.ToJson());
        }
        await Publisher.WriteAsync(report, options, root);
        Console.Error.WriteLine($"[bench] results in {options.OutputDir}{(options.WriteReadme ? "; README figures regenerated" : "")}");
        // A section that failed is in the report, and the exit code says so (scripts/test.sh runs --quick).
        if (!options.RenderOnly && report.Cluster?.Failed is { } failed)
        {
            Console.Error.WriteLine($"[bench] section 10 (several instances) failed: {failed}");
            return 1;
        }
        return 0;
    }

    private static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var command = "dotnet run -c Release --project bench/Therese.Bench" + (options.Quick ? " -- --quick" : "");
        var report = new BenchReport { Run = Machine.Describe(options.Mode, command) };

        if (options.Only is not ("scale" or "cluster" or "local" or "crash" or "tools"))
        {
            await using var ctx = await BenchContext.StartAsync(options);
            ctx.Progress("fake provider, THÉRÈSE and the bare relay started (Kestrel, loopback, temp data folder)");
            if (options.Runs("first-token")) report.FirstToken = await FirstTokenScenario.RunAsync(ctx);
            if (options.Runs("relay")) report.Relay = await RelayScenario.RunAsync(ctx);
            if (options.Runs("stop")) report.Stop = await StopScenario.RunAsync(ctx);
            if (options.Runs("storage")) report.Storage = await StorageScenario.RunAsync(ctx);
            if (options.Runs("long")) report.LongAnswer = await LongAnswerScenario.RunAsync(ctx);
            if (options.Runs("attachments")) report.Attachments = await AttachmentsScenario.RunAsync(ctx);
            if (options.Browser) await BrowserScenarios.RunAsync(ctx, report);
        }
        if (options.Runs("tools"))
            report.Tools = await ToolsScenario.RunAsync(options, Console.Error.WriteLine);
        if (options.Local)
            report.LocalModel = await LocalModelScenario.RunAsync(options, Console.Error.WriteLine);
        if (options.Crash)
            report.Crash = await CrashScenario.RunAsync(options, Console.Error.WriteLine);
        if (options.Scale)
            report.Scale = await ScaleScenario.RunAsync(options, Console.Error.WriteLine);
        if (options.Cluster)
            report.Cluster = await ClusterScenario.RunAsync(options, Console.Error.WriteLine);

        report.Run.LoadAtEnd = Machine.LoadAverage();
        report.Run.DurationSeconds = Math.Round(started.Elapsed.TotalSeconds);
        return report;
    }
}
