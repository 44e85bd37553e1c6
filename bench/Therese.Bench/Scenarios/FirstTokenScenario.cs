using System.Diagnostics;
using Microsoft.Extensions.AI;
using Therese.Bench.Report;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

public sealed record FirstTokenResult(
    int Pairs, int WarmUp,
    Distribution Direct, Distribution Relay, Distribution Therese,
    Distribution RelayAdded, Distribution ThereseAdded, Distribution ThereseOverRelay,
    Distribution ThereseStart, Distribution DirectRequestLeg, Distribution ThereseRequestLeg, Distribution ThereseReturnLeg,
    double LoadAverage);

/// <summary>
/// Section 1: the time each relay adds to the first token. Three ways to the same fake answer, run in
/// rotating order within each round so that none is favoured by what ran before it:
/// the SDK straight to the fake, the bare relay, THÉRÈSE (a new conversation each time, so its rows are written).
/// </summary>
public static class FirstTokenScenario
{
    private const string Directive = """{"tokens":5,"tps":0,"ttft_ms":0}""";

    public static async Task<FirstTokenResult> RunAsync(BenchContext ctx)
    {
        int warm = ctx.Options.Quick ? 10 : 40, rounds = ctx.Options.Rounds ?? (ctx.Options.Quick ? 60 : 400);
        ctx.Progress($"1. first token: {warm} warm-up + {rounds} rounds of direct / bare relay / THÉRÈSE");
        var direct = new List<double>(); var relay = new List<double>(); var therese = new List<double>();
        var start = new List<double>(); var directReq = new List<double>(); var thereseReq = new List<double>(); var thereseRet = new List<double>();
        var load = Machine.Load1();
        for (var i = 0; i < warm + rounds; i++)
        {
            var measured = i >= warm;
            for (var k = 0; k < 3; k++)
            {
                switch ((i + k) % 3)
                {
                    case 0:
                    {
                        var (first, reqLeg) = await DirectAsync(ctx);
                        if (measured) { direct.Add(first); directReq.Add(reqLeg); }
                        break;
                    }
                    case 1:
                    {
                        await using var s = await ChatStreamReader.OpenAsync(ctx.RelayHttp, new { content = BenchContext.Message(Directive) }, path: "/relay");
                        var delta = await s.NextOfTypeAsync("delta");
                        await s.ReadToEndAsync();
                        if (measured) relay.Add(s.MsTo(delta));
                        break;
                    }
                    default:
                    {
                        ctx.Fake.ClearLog();
                        await using var s = await ChatStreamReader.OpenAsync(ctx.Http, new { content = BenchContext.Message(Directive) });
                        var startEvent = await s.NextOfTypeAsync("start");
                        var delta = await s.NextOfTypeAsync("delta");
                        await s.ReadToEndAsync();
                        var r = ctx.Fake.Requests.Single();
                        if (measured)
                        {
                            therese.Add(s.MsTo(delta));
                            start.Add(s.MsTo(startEvent));
                            thereseReq.Add((r.ReceivedAt - s.SentAt).TotalMilliseconds);
                            thereseRet.Add((delta.At - r.FirstTokenAt!.Value).TotalMilliseconds);
                        }
                        break;
                    }
                }
            }
        }
        load = Math.Max(load, Machine.Load1());
        return new FirstTokenResult(rounds, warm,
            Distribution.Of(direct), Distribution.Of(relay), Distribution.Of(therese),
            Distribution.Of(relay.Zip(direct, (a, b) => a - b)), Distribution.Of(therese.Zip(direct, (a, b) => a - b)),
            Distribution.Of(therese.Zip(relay, (a, b) => a - b)),
            Distribution.Of(start), Distribution.Of(directReq), Distribution.Of(thereseReq), Distribution.Of(thereseRet), load);
    }

    private static async Task<(double First, double RequestLeg)> DirectAsync(BenchContext ctx)
    {
        ctx.Fake.ClearLog();
        var messages = new List<ChatMessage> { new(ChatRole.User, BenchContext.Message(Directive)) };
        var sentAt = DateTimeOffset.UtcNow;
        var t0 = Stopwatch.GetTimestamp();
        var first = double.NaN;
        await foreach (var u in ctx.Direct.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = 16000 }))
            if (u.Text.Length > 0 && double.IsNaN(first)) first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        var r = ctx.Fake.Requests.Single();
        return (first, (r.ReceivedAt - sentAt).TotalMilliseconds);
    }

    public static void Write(Md md, FirstTokenResult r)
    {
        md.Line("## 1. Time to first token added by a relay");
        md.Line();
        md.Line("The fake answers with `ttft_ms: 0` (first token right after the stream preamble), 5 tokens, as fast as possible. Three ways to it:");
        md.Line("- **direct**: the Anthropic SDK (`AsIChatClient(model, 16000).GetStreamingResponseAsync`) straight to the fake, call → first update carrying text;");
        md.Line("- **bare relay**: `bench/Therese.Bench/MinimalRelay.cs`, the smallest ASP.NET relay (same SDK and HttpClient settings, `TypedResults.ServerSentEvents`,");
        md.Line("  the same event JSON, no storage), POST → first `delta` out of the SSE parser;");
        md.Line("- **THÉRÈSE**: `POST /api/chat/stream`, a new conversation each time (so the conversation, user message and streaming-answer rows are written,");
        md.Line("  persistence on), POST → first `delta`.");
        md.Line($"Each round runs the three in rotating order; {r.Pairs} rounds after {r.WarmUp} warm-up rounds; every stream is read to its end before the next.");
        md.Line($"*Added* = the relay's time − the direct time of the same round. Load average (1 min) during the section: {r.LoadAverage:0.00}.");
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.Direct.Row("direct: first text"));
        md.Line(r.Relay.Row("bare relay: first `delta`"));
        md.Line(r.Therese.Row("THÉRÈSE: first `delta`"));
        md.Line(r.RelayAdded.Row("**added by the bare relay** (paired per round)"));
        md.Line(r.ThereseAdded.Row("**added by THÉRÈSE** (paired per round)"));
        md.Line(r.ThereseOverRelay.Row("THÉRÈSE − bare relay (paired per round)"));
        md.Line(r.ThereseStart.Row("THÉRÈSE: `start` event"));
        md.Line(r.DirectRequestLeg.Row("direct: request leg (call → fake received)"));
        md.Line(r.ThereseRequestLeg.Row("THÉRÈSE: request leg (POST → fake received)"));
        md.Line(r.ThereseReturnLeg.Row("THÉRÈSE: return leg (fake flushed token 1 → client has `delta`)"));
        md.Line();
        md.Line($"**THÉRÈSE adds {Distribution.Ms(r.ThereseAdded.P50)} ms at p50 and {Distribution.Ms(r.ThereseAdded.P99)} ms at p99; the bare relay adds {Distribution.Ms(r.RelayAdded.P50)} ms at p50** " +
                $"(difference of the p50s: {Distribution.Ms(r.ThereseAdded.P50 - r.RelayAdded.P50)} ms).");
        md.Line("Both include the second HTTP hop (client → relay) that a direct call does not have.");
        md.Line();
    }
}
