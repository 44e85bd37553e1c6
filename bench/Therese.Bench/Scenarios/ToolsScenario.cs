using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;
using Therese.Bench.Report;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

/// <param name="Direct">One call of the demo server's read-only tool, straight through the MCP SDK (stdio).</param>
/// <param name="WithoutTool">An answer of a few words with no tool: send → done.</param>
/// <param name="WithTool">The same answer after one round with that tool: send → done (two provider requests, one MCP call).</param>
public sealed record ToolsResult(int Runs, Distribution Direct, Distribution WithoutTool, Distribution WithTool, double LoadAverage)
{
    /// <summary>What the tool loop adds beyond the MCP call itself: the second provider request, the events, the saving (p50).</summary>
    public double LoopOverheadP50 => WithTool.P50 - WithoutTool.P50 - Direct.P50;
}

/// <summary>Section 15: the time the tool loop adds to an answer, against calling the MCP server directly.</summary>
public static class ToolsScenario
{
    public static async Task<ToolsResult> RunAsync(BenchOptions options, Action<string> progress)
    {
        var runs = options.Quick ? 10 : 100;
        var demo = Path.Combine(AppContext.BaseDirectory, "Therese.McpDemo.dll");
        var load = Machine.Load1();
        progress($"15. tools: {runs} direct MCP calls, {runs} answers without and with a tool round");

        // The MCP server alone, as THÉRÈSE starts it: the SDK's client over stdio.
        var direct = new List<double>();
        await using (var client = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "demo",
            Command = "dotnet",
            Arguments = [demo],
        })))
        {
            await client.CallToolAsync("date_du_jour", new Dictionary<string, object?>());
            for (var i = 0; i < runs; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await client.CallToolAsync("date_du_jour", new Dictionary<string, object?>());
                direct.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        await using var host = await ThereseHost.StartAsync("anthropic", new Dictionary<string, string?>
        {
            ["Therese:Llm:MaxRetries"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Therese:Mcp:Servers:demo:Command"] = "dotnet",
            ["Therese:Mcp:Servers:demo:Args:0"] = demo,
        }, production: true);
        using var http = host.CreateClient();
        for (var i = 0; i < 600 && !(await http.GetStringAsync("/api/tools")).Contains("\"connected\""); i++) await Task.Delay(100);

        const string plain = """{"text":"Nous sommes samedi.","tps":0,"ttft_ms":0}""";
        const string tool = """{"tools":[{"name":"demo__date_du_jour"}],"text":"Nous sommes samedi.","tps":0,"ttft_ms":0}""";
        await AnswerAsync(http, plain);
        await AnswerAsync(http, tool);
        var without = new List<double>();
        var with = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            without.Add(await AnswerAsync(http, plain));
            with.Add(await AnswerAsync(http, tool));
        }
        return new ToolsResult(runs, Distribution.Of(direct), Distribution.Of(without), Distribution.Of(with), Math.Max(load, Machine.Load1()));
    }

    /// <summary>Send → done of one answer, in milliseconds.</summary>
    private static async Task<double> AnswerAsync(HttpClient http, string directive)
    {
        var start = Stopwatch.GetTimestamp();
        await using var stream = await ChatStreamReader.OpenAsync(http, new { content = BenchContext.Message(directive) });
        var events = await stream.ReadToEndAsync();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (events.LastOrDefault(e => !e.IsDoneMarker)?.Type != "done")
            throw new InvalidOperationException("An answer of the tools section did not end with done: " + string.Join(" ", events.Select(e => e.Data)));
        return elapsed;
    }

    public static void Write(Md md, ToolsResult r)
    {
        md.Line("## 15. Tools (MCP)");
        md.Line();
        md.Line($"{r.Runs} calls of the demo server's `date_du_jour` (tools/Therese.McpDemo, a `dotnet` process over stdio) straight through the");
        md.Line($"official MCP SDK; then {r.Runs} answers of a few words without a tool, and {r.Runs} with one round of that tool (the fake provider asks");
        md.Line("for it, THÉRÈSE calls it, sends the result back, the fake answers), alternated, send → `done` measured by the client.");
        md.Line($"Load average (1 min) during the section: {r.LoadAverage:0.00}.");
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.Direct.Row("MCP call, direct (SDK, stdio)"));
        md.Line(r.WithoutTool.Row("answer without a tool: send → done"));
        md.Line(r.WithTool.Row("answer with one tool round: send → done"));
        md.Line();
        md.Line($"The tool loop adds {Distribution.Ms(r.WithTool.P50 - r.WithoutTool.P50)} ms at p50 to an answer, of which the MCP call itself is");
        md.Line($"{Distribution.Ms(r.Direct.P50)} ms: {Distribution.Ms(r.LoopOverheadP50)} ms are THÉRÈSE's (a second provider request, the tool events, the saving).");
        md.Line();
    }
}
