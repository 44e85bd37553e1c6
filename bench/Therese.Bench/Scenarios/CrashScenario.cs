using System.Diagnostics;
using System.Text.Json;
using Therese.Bench.Report;
using Therese.FakeLlm;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

/// <summary>One kill: what the client had seen, what the database kept, and how old the oldest lost word was.</summary>
public sealed record CrashKill(int DeltasSeen, int CharactersSeen, int CharactersSaved, int DeltasLost, double OldestLostMs, string Status);

public sealed record CrashResult(List<CrashKill> Kills, double CheckpointSeconds, double LoadAverage)
{
    public Distribution OldestLost => Distribution.Of(Kills.Select(k => k.OldestLostMs));
}

/// <summary>
/// Section 14: the server process killed with SIGKILL in the middle of an answer, as CrashTests does, then started again
/// on the same data folder: how much of what the user had seen was not yet saved. THÉRÈSE saves the partial text every
/// half second (Therese:Stream:CheckpointIntervalSeconds); the answer streams at 20 tokens/s from the fake provider, in
/// this process; THÉRÈSE is the Release build beside the benchmark, in its own process.
/// </summary>
public static class CrashScenario
{
    private const int Tokens = 400;

    public static async Task<CrashResult> RunAsync(BenchOptions options, Action<string> log)
    {
        var kills = options.Quick ? 2 : 10;
        log($"[crash] 14. {kills} kills with SIGKILL mid-answer, each followed by a restart");
        var load = Machine.Load1();
        await using var fake = await FakeLlmServer.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "therese-crash-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new Dictionary<string, string>
        {
            ["Therese:DataDir"] = data,
            ["Therese:Llm:Provider"] = "anthropic",
            ["Therese:Llm:ApiKey"] = "k",
            ["Therese:Llm:BaseUrl"] = fake.BaseUrl,
            ["Therese:Llm:Model"] = "m",
            ["Therese:Llm:MaxRetries"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var results = new List<CrashKill>();
        var server = ServerProcess.Start(settings);
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            for (var i = 0; i < kills; i++)
            {
                using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = new Uri(server.BaseUrl) };
                // A first short answer, so that the measured one meets a server that has saved before (its first save compiles
                // EF Core's model and queries: on a busy machine, seconds).
                await using (var warm = await ChatStreamReader.OpenAsync(http, new { content = "Bonjour\n::fake {\"tokens\":5,\"tps\":0,\"ttft_ms\":0}" }))
                    await warm.ReadToEndAsync();
                // Kill points spread over the half-second between two checkpoints (one token is 50 ms), ever later in the answer.
                var killAfter = 15 + i * 7;
                var stream = await ChatStreamReader.OpenAsync(http, new { content = $"Panne {i}\n::fake {{\"tokens\":{Tokens},\"tps\":20,\"ttft_ms\":0}}" });
                while (stream.Deltas.Count() < killAfter) await stream.NextAsync();
                var killedAt = Stopwatch.GetTimestamp();
                server.KillHard();
                var deltas = stream.Deltas.ToList();
                var conversationId = stream.ConversationId!;
                await stream.DisposeAsync();

                await server.DisposeAsync();
                server = ServerProcess.Start(settings);
                await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
                using var after = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
                using var read = await after.GetAsync($"/api/conversations/{conversationId}");
                // Not even the question saved (the kill came before the answer's first write): everything seen is lost.
                var answer = read.StatusCode == System.Net.HttpStatusCode.NotFound ? (JsonElement?)null
                    : JsonDocument.Parse(await read.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement.GetProperty("messages").EnumerateArray().Last();
                var content = answer?.GetProperty("content").GetString() ?? "";
                var kept = 0;
                var offset = 0;
                foreach (var delta in deltas)
                {
                    offset += delta.Content.Length;
                    if (offset <= content.Length) kept++;
                }
                var lost = deltas.Skip(kept).ToList();
                var oldest = lost.Count == 0 ? 0 : Stopwatch.GetElapsedTime(lost[0].Ticks, killedAt).TotalMilliseconds;
                results.Add(new CrashKill(deltas.Count, deltas.Sum(d => d.Content.Length), content.Length, lost.Count, oldest,
                    answer?.GetProperty("status").GetString() ?? "not saved"));
            }
        }
        finally
        {
            await server.DisposeAsync();
            try { Directory.Delete(data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return new CrashResult(results, 0.5, Math.Max(load, Machine.Load1()));
    }

    public static void Write(Md md, CrashResult r)
    {
        md.Line("## 14. A crash mid-answer");
        md.Line();
        md.Line($"{r.Kills.Count} answers at 20 tokens/s, each cut by `kill -9` of THÉRÈSE's process (the Release build, alone in its process, SQLite)");
        md.Line("after 15, 22, 29… deltas, each after a first short answer on that process (a fresh process's first save compiles EF Core's model:");
        md.Line("on a busy machine, seconds); THÉRÈSE is then started again on the same data folder and the answer read back. It saves the partial text");
        md.Line($"every {r.CheckpointSeconds:0.0} s. *Lost* = deltas the client had received that the saved text lacks; their age is from the oldest one's");
        md.Line($"arrival on the client to the kill. Load average (1 min): {r.LoadAverage:0.00}.");
        md.Line();
        md.Line("| # | deltas seen | characters seen | characters saved | deltas lost | oldest lost, received before the kill (ms) | status after restart |");
        md.Line("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        for (var i = 0; i < r.Kills.Count; i++)
        {
            var k = r.Kills[i];
            md.Line($"| {i + 1} | {k.DeltasSeen} | {k.CharactersSeen} | {k.CharactersSaved} | {k.DeltasLost} | {k.OldestLostMs:0} | {k.Status} |");
        }
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.OldestLost.Row("oldest word seen but not saved, age at the kill"));
        md.Line();
    }
}
