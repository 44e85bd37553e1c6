using System.Diagnostics;
using System.Text.Json;
using Therese.Bench.Report;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

public sealed record StopResult(int Runs, Distribution ToProviderClosed, Distribution ToSaved, Distribution TokensAfterCancel,
    Dictionary<string, int> Statuses, int SavedPrefixOk, double LoadAverage)
{
    /// <summary>The same stops with an OpenAI-compatible provider (the OpenAI SDK), on a THÉRÈSE of its own.</summary>
    public StopRuns? OpenAi { get; init; }
}

/// <summary>Stops through one provider protocol.</summary>
public sealed record StopRuns(string Protocol, int Runs, Distribution ToProviderClosed, Distribution ToSaved, Distribution TokensAfterCancel,
    Dictionary<string, int> Statuses, int SavedPrefixOk);

/// <summary>Section 3: the client goes away; how long until the provider connection is closed, and until the answer is saved.</summary>
public static class StopScenario
{
    private const string Directive = """{"tokens":2000,"tps":100,"ttft_ms":0}""";

    public static async Task<StopResult> RunAsync(BenchContext ctx)
    {
        var runs = ctx.Options.Quick ? 10 : 200;
        ctx.Progress($"3. stop latency: {runs} stops");
        var load = Machine.Load1();
        var anthropic = await StopsAsync(ctx.Http, ctx.Fake, runs, "anthropic");

        // The OpenAI SDK reads and cancels its stream its own way: the same stops through it, on a THÉRÈSE pinned to the fake's OpenAI side.
        var openAiRuns = ctx.Options.Quick ? 5 : 100;
        ctx.Progress($"3. stop latency through the OpenAI SDK: {openAiRuns} stops");
        await using var openAiHost = await ThereseHost.StartAsync("openai", new Dictionary<string, string?>
        {
            ["Therese:Llm:MaxTokens"] = "16000",
            ["Therese:Llm:MaxRetries"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        }, production: true);
        using var openAiHttp = openAiHost.CreateClient();
        var openAi = await StopsAsync(openAiHttp, openAiHost.Fake, openAiRuns, "openai");

        return new StopResult(runs, anthropic.ToProviderClosed, anthropic.ToSaved, anthropic.TokensAfterCancel, anthropic.Statuses, anthropic.SavedPrefixOk,
            Math.Max(load, Machine.Load1())) { OpenAi = openAi };
    }

    private static async Task<StopRuns> StopsAsync(HttpClient http, Therese.FakeLlm.FakeLlmServer fake, int runs, string protocol)
    {
        var closed = new List<double>(); var saved = new List<double>(); var after = new List<double>();
        var statuses = new Dictionary<string, int>(); var prefixOk = 0;
        for (var i = 0; i < runs; i++)
        {
            fake.ClearLog();
            var target = 2 + i * 7 % 11;
            using var cts = new CancellationTokenSource();
            var s = await ChatStreamReader.OpenAsync(http, new { content = BenchContext.Message(Directive) }, cts.Token);
            while (s.Deltas.Count() < target) await s.NextAsync();
            var clientText = s.Text;
            var conversationId = s.ConversationId!;
            var live = fake.Requests.Single();
            var sentAtCancel = live.TokensSent;
            var cancelAt = DateTimeOffset.UtcNow;
            var cancelTicks = Stopwatch.GetTimestamp();
            await cts.CancelAsync();
            await s.DisposeAsync();
            var r = await fake.WaitForRequestAsync(x => x.DisconnectedAt is not null, TimeSpan.FromSeconds(10));
            closed.Add((r.DisconnectedAt!.Value - cancelAt).TotalMilliseconds);
            string status = "streaming", text = "";
            while (Stopwatch.GetElapsedTime(cancelTicks) < TimeSpan.FromSeconds(5))
            {
                // Its rows are written a moment after the provider call: a Stop that comes first can find none yet.
                using var response = await http.GetAsync($"/api/conversations/{conversationId}");
                if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    await Task.Delay(5);
                    continue;
                }
                response.EnsureSuccessStatusCode();
                var conv = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                var last = conv.GetProperty("messages").EnumerateArray().Last();
                status = last.GetProperty("status").GetString()!;
                text = last.GetProperty("content").GetString() ?? "";
                if (status != "streaming")
                {
                    saved.Add(Stopwatch.GetElapsedTime(cancelTicks).TotalMilliseconds);
                    break;
                }
                await Task.Delay(5);
            }
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (text.StartsWith(clientText, StringComparison.Ordinal)) prefixOk++;
            // Whatever the fake sent after the cancel would be billed (it sends nothing once it has seen the disconnect).
            after.Add(r.TokensSent - sentAtCancel);
        }
        return new StopRuns(protocol, runs, Distribution.Of(closed), Distribution.Of(saved), Distribution.Of(after), statuses, prefixOk);
    }

    public static void Write(Md md, StopResult r)
    {
        md.Line("## 3. Stop");
        md.Line();
        md.Line($"{r.Runs} answers of 2,000 tokens at 100 tokens/s. The client (HttpClient with `SocketsHttpHandler {{ MaxResponseDrainSize = 0 }}`,");
        md.Line("as a browser closes its connection) reads 2 to 12 `delta` events, then cancels and disposes the response.");
        md.Line("*Client abort → provider connection closed* = fake `DisconnectedAt` (its Kestrel saw the request aborted) − the moment the client cancelled:");
        md.Line($"the time during which the provider could still generate and bill. Load average (1 min) during the section: {r.LoadAverage:0.00}.");
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.ToProviderClosed.Row("client abort → provider connection closed"));
        md.Line(r.ToSaved.Row("client abort → answer saved with its final status (API polled every 5 ms)"));
        md.Line();
        md.Line($"Tokens the fake sent after the cancel: p50 {r.TokensAfterCancel.P50:0}, p99 {r.TokensAfterCancel.P99:0}, max {r.TokensAfterCancel.Max:0} (one token is 10 ms).");
        md.Line($"Final status saved: {string.Join(", ", r.Statuses.Select(kv => $"{kv.Key} × {kv.Value}"))}; the saved text starts with exactly what the client received in {r.SavedPrefixOk}/{r.Runs} runs.");
        md.Line();
        if (r.OpenAi is { } o)
        {
            md.Line($"The same with an OpenAI-compatible provider: {o.Runs} answers on a THÉRÈSE of its own (in the same process) pinned to the fake's");
            md.Line("`/v1/chat/completions`, through the official OpenAI SDK.");
            md.Line();
            md.Line(Distribution.Header);
            md.Line(o.ToProviderClosed.Row("OpenAI SDK: client abort → provider connection closed"));
            md.Line(o.ToSaved.Row("OpenAI SDK: client abort → answer saved with its final status"));
            md.Line();
            md.Line($"Tokens sent after the cancel: p50 {o.TokensAfterCancel.P50:0}, max {o.TokensAfterCancel.Max:0}; final status saved: {string.Join(", ", o.Statuses.Select(kv => $"{kv.Key} × {kv.Value}"))};"
                    + $" the saved text starts with what the client received in {o.SavedPrefixOk}/{o.Runs} runs.");
            md.Line();
        }
    }
}
