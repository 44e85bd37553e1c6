using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Therese.Bench.Report;
using Therese.FakeLlm;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

public sealed record LongAnswerResult(int Runs, Distribution Through, Distribution Direct, double AllocatedPerTokenThrough, double AllocatedPerTokenDirect,
    double[] GcThrough, double[] GcDirect, int Intact, int SavedIntact);

/// <summary>Section 5: a 10,000-token answer as fast as the fake can write it, through THÉRÈSE and straight from the SDK.</summary>
public static class LongAnswerScenario
{
    private const string Directive = """{"tokens":10000,"tps":0,"ttft_ms":0}""";

    public static async Task<LongAnswerResult> RunAsync(BenchContext ctx)
    {
        var runs = ctx.Options.Quick ? 1 : 3;
        ctx.Progress($"5. long answer: {runs} × 10,000 tokens at tps 0, through THÉRÈSE and direct");
        await using (var w = await ChatStreamReader.OpenAsync(ctx.Http, new { content = BenchContext.Message("""{"tokens":2000,"tps":0,"ttft_ms":0}""") })) await w.ReadToEndAsync();
        var expected = FakeText.Text(10000);
        var through = new List<double>(); var direct = new List<double>();
        long allocThrough = 0, allocDirect = 0;
        var gcThrough = new double[3]; var gcDirect = new double[3];
        int intact = 0, savedIntact = 0;
        for (var i = 0; i < runs; i++)
        {
            ctx.Fake.ClearLog();
            var (a0, g0) = (GC.GetTotalAllocatedBytes(true), Gcs());
            await using var s = await ChatStreamReader.OpenAsync(ctx.Http, new { content = BenchContext.Message(Directive) });
            await s.ReadToEndAsync();
            var (a1, g1) = (GC.GetTotalAllocatedBytes(true), Gcs());
            through.Add(s.MsTo(s.Received.Single(e => !e.IsDoneMarker && e.Type == "done")));
            allocThrough += a1 - a0;
            for (var g = 0; g < 3; g++) gcThrough[g] += (g1[g] - g0[g]) / (double)runs;
            if (s.Text == expected) intact++;
            var conv = JsonDocument.Parse(await ctx.Http.GetStringAsync($"/api/conversations/{s.ConversationId}")).RootElement;
            var last = conv.GetProperty("messages").EnumerateArray().Last();
            if (last.GetProperty("content").GetString() == expected && last.GetProperty("status").GetString() == "complete") savedIntact++;

            var (b0, h0) = (GC.GetTotalAllocatedBytes(true), Gcs());
            var t0 = Stopwatch.GetTimestamp();
            await foreach (var _ in ctx.Direct.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, BenchContext.Message(Directive))], new ChatOptions { MaxOutputTokens = 16000 })) { }
            direct.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var (b1, h1) = (GC.GetTotalAllocatedBytes(true), Gcs());
            allocDirect += b1 - b0;
            for (var g = 0; g < 3; g++) gcDirect[g] += (h1[g] - h0[g]) / (double)runs;
        }
        return new LongAnswerResult(runs, Distribution.Of(through), Distribution.Of(direct), allocThrough / (double)runs / 10000,
            allocDirect / (double)runs / 10000, gcThrough, gcDirect, intact, savedIntact);
    }

    private static int[] Gcs() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    public static void Write(Md md, LongAnswerResult r)
    {
        md.Line("## 5. A 10,000-token answer");
        md.Line();
        md.Line($"{r.Runs} answer(s) of 10,000 plain tokens with `tps: 0` (the fake writes and flushes each token as fast as it can), after a 2,000-token warm-up.");
        md.Line("*Through THÉRÈSE*: POST → `done` event. *Direct*: the SDK straight to the fake. Allocations and GC counts are process-wide, so they include the");
        md.Line("fake and the benchmark's client; the direct column shows the part that is not THÉRÈSE.");
        md.Line();
        md.Line("| measure | through THÉRÈSE | direct SDK |");
        md.Line("| --- | ---: | ---: |");
        md.Line($"| total time, p50 (ms) | {Distribution.Ms(r.Through.P50)} | {Distribution.Ms(r.Direct.P50)} |");
        md.Line($"| tokens/s (p50) | {10000 / (r.Through.P50 / 1000):N0} | {10000 / (r.Direct.P50 / 1000):N0} |");
        md.Line($"| allocated per token (bytes, process) | {r.AllocatedPerTokenThrough:N0} | {r.AllocatedPerTokenDirect:N0} |");
        md.Line($"| GC gen0 / gen1 / gen2 per answer | {r.GcThrough[0]:0.#} / {r.GcThrough[1]:0.#} / {r.GcThrough[2]:0.#} | {r.GcDirect[0]:0.#} / {r.GcDirect[1]:0.#} / {r.GcDirect[2]:0.#} |");
        md.Line();
        md.Line($"Integrity: the client's text equals `FakeText.Text(10000)` in {r.Intact}/{r.Runs} runs; the saved answer is complete and identical in {r.SavedIntact}/{r.Runs}.");
        md.Line();
    }
}
