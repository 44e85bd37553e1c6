using System.Text;
using Microsoft.Extensions.AI;
using Therese.Bench.Report;
using Therese.FakeLlm;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

public sealed record RelayResult(int Runs, Distribution First, Distribution Last, Distribution Every, Distribution DirectEvery, int Mismatches);

/// <summary>Section 2: per-token latency, fake's write → client's `delta`, against the same estimate with the SDK straight to the fake.</summary>
public static class RelayScenario
{
    private const string Directive = """{"tokens":200,"tps":100,"ttft_ms":0}""";

    public static async Task<RelayResult> RunAsync(BenchContext ctx)
    {
        var runs = ctx.Options.Quick ? 1 : 10;
        ctx.Progress($"2. per-token relay latency: {runs} runs of 200 tokens at 100 tokens/s");
        await using (var w = await ChatStreamReader.OpenAsync(ctx.Http, new { content = BenchContext.Message("""{"tokens":20,"tps":100,"ttft_ms":0}""") })) await w.ReadToEndAsync();
        var first = new List<double>(); var last = new List<double>(); var each = new List<double>(); var directEach = new List<double>();
        var mismatches = 0;
        for (var i = 0; i < runs; i++)
        {
            ctx.Fake.ClearLog();
            await using var s = await ChatStreamReader.OpenAsync(ctx.Http, new { content = BenchContext.Message(Directive) });
            await s.ReadToEndAsync();
            var r = ctx.Fake.Requests.Single();
            var deltas = s.Deltas.ToList();
            first.Add((deltas[0].At - r.FirstTokenAt!.Value).TotalMilliseconds);
            last.Add((deltas[^1].At - r.LastTokenAt!.Value).TotalMilliseconds);
            if (deltas.Count == 200 && s.Text == FakeText.Text(200) && r.TokenTimes.Count == 200)
                for (var k = 0; k < deltas.Count; k++)
                    each.Add((deltas[k].At - r.TokenTimes[k]).TotalMilliseconds);
            else mismatches++;

            // The same answer straight from the SDK: the baseline (the fake, the SDK, the GC).
            ctx.Fake.ClearLog();
            var stamps = new List<DateTimeOffset>();
            await foreach (var u in ctx.Direct.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, BenchContext.Message(Directive))], new ChatOptions { MaxOutputTokens = 16000 }))
                if (u.Text.Length > 0) stamps.Add(DateTimeOffset.UtcNow);
            var dr = ctx.Fake.Requests.Single();
            if (stamps.Count == 200 && dr.TokenTimes.Count == 200)
                for (var k = 0; k < stamps.Count; k++)
                    directEach.Add((stamps[k] - dr.TokenTimes[k]).TotalMilliseconds);
        }
        return new RelayResult(runs, Distribution.Of(first), Distribution.Of(last), Distribution.Of(each), Distribution.Of(directEach), mismatches);
    }

    public static void Write(Md md, RelayResult r)
    {
        md.Line("## 2. Per-token relay latency");
        md.Line();
        md.Line($"{r.Runs} answers of 200 tokens at 100 tokens/s (`ttft_ms: 0`) through THÉRÈSE, read to the end, each followed by the same answer read directly");
        md.Line("with the SDK. The fake logs when it flushed each token (`token_times`); the client stamps each `delta` as the SSE parser yields it (same clock).");
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.First.Row("first token: fake flushed → client `delta`"));
        md.Line(r.Last.Row("last token: fake flushed → client `delta`"));
        md.Line(r.Every.Row("every token, through THÉRÈSE"));
        md.Line(r.DirectEvery.Row("every token, SDK straight to the fake (baseline)"));
        md.Line();
        md.Line(r.Mismatches == 0
            ? "Every run: 200 `delta` events, one per provider token, concatenation identical to the fake's text."
            : $"**{r.Mismatches} run(s) did not map one `delta` per token (left out).**");
        md.Line();
    }
}
