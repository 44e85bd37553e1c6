using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.Bench.Browser;
using Therese.Bench.Report;

namespace Therese.Bench.Scenarios;

/// <param name="Reasoning">The tokens were the model's reasoning (the « Réflexion » block, open while it streams), not its answer.</param>
public sealed record TokenToPaintRate(int Tps, int Tokens, Distribution Latency, bool Exact, int FramesWithNewText, double ClockSkewMs, bool Reasoning = false);

public sealed record TokenToPaintResult(List<TokenToPaintRate> Rates, double LoadAverage);

/// <summary>
/// Section 9: from the fake writing a token to the frame that shows it, in headless Chromium. Each token is a
/// numbered word (<c>w00001 w00002 …</c>, a new paragraph every 40), so the page knows from its text which
/// token it shows. After every frame's paint (a message posted from <c>requestAnimationFrame</c> runs once the
/// frame is rendered), the page notes the last token on screen and the wall-clock time
/// (<c>performance.timeOrigin + performance.now()</c>); the fake logs each token's write time (<c>DateTimeOffset.UtcNow</c>).
/// The same for reasoning tokens: the numbered words are the model's thinking, shown in the open « Réflexion » block.
/// </summary>
public static partial class TokenToPaintScenario
{
    private const string InitScript = """
        (() => {
          const p = window.__paint = { on: false, last: 0, frames: [], selector: '' };
          const channel = new MessageChannel();
          channel.port1.onmessage = () => {
            if (!p.on) return;
            const all = document.querySelectorAll(p.selector);
            const el = all[all.length - 1];
            if (!el) return;
            const tail = el.textContent.slice(-16);
            const m = /w(\d{5})\s*$/.exec(tail);
            if (!m) return;
            const k = Number(m[1]);
            if (k > p.last) { p.last = k; p.frames.push([k, performance.timeOrigin + performance.now()]); }
          };
          const frame = () => { channel.port2.postMessage(0); requestAnimationFrame(frame); };
          requestAnimationFrame(frame);
        })();
        """;

    public static async Task<TokenToPaintResult> RunAsync(BenchContext ctx, IBrowser browser)
    {
        var seconds = ctx.Options.Quick ? 1 : 2;
        var load = Machine.Load1();
        var rates = new List<TokenToPaintRate>();
        foreach (var reasoning in new[] { false, true })
            foreach (var tps in new[] { 50, 500, 5000 })
            {
                var tokens = tps * seconds;
                ctx.Progress($"9. token → paint: {tokens} {(reasoning ? "reasoning" : "answer")} tokens at {tps} tokens/s");
                rates.Add(await MeasureAsync(ctx, browser, tps, tokens, reasoning));
            }
        return new TokenToPaintResult(rates, Math.Max(load, Machine.Load1()));
    }

    private static string Text(int tokens)
    {
        var sb = new StringBuilder();
        for (var k = 1; k <= tokens; k++)
            sb.Append(k == 1 ? "" : k % 40 == 1 ? "\n\n" : " ").Append('w').Append(k.ToString("00000", System.Globalization.CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    private const string AnswerText = "[data-testid=message-assistant] [data-testid=message-content]";
    private const string ReasoningText = "[data-testid=message-assistant] [data-testid=reasoning-text]";

    private static async Task<TokenToPaintRate> MeasureAsync(BenchContext ctx, IBrowser browser, int tps, int tokens, bool reasoning)
    {
        var context = await Chromium.NewContextAsync(browser);
        var page = await context.NewPageAsync();
        await page.AddInitScriptAsync(InitScript);
        await page.GotoAsync(ctx.Host.BaseUrl + "/");
        var input = page.Locator("[data-testid=chat-input]");
        await input.WaitForAsync();
        // Warm the page (the Markdown pipeline, the first render of an answer) with a short answer first.
        await input.FillAsync("Échauffement\n::fake {\"tokens\":50,\"markdown\":true,\"tps\":500}");
        await input.PressAsync("Enter");
        await page.Locator("[data-testid=message-assistant][data-status=complete]").WaitForAsync();

        var before = DateTimeOffset.UtcNow;
        var pageNow = await page.EvaluateAsync<double>("() => performance.timeOrigin + performance.now()");
        var after = DateTimeOffset.UtcNow;
        var skew = pageNow - ((before - DateTimeOffset.UnixEpoch).TotalMilliseconds + (after - before).TotalMilliseconds / 2);

        var marker = Guid.NewGuid().ToString("N");
        // Reasoning: the numbered words are the thinking, then a one-word answer (which closes the block).
        var directive = reasoning
            ? JsonSerializer.Serialize(new { thinking = Text(tokens), text = "Fin.", tps, ttft_ms = 100 })
            : JsonSerializer.Serialize(new { text = Text(tokens), tps, ttft_ms = 100 });
        var selector = reasoning ? ReasoningText : AnswerText;
        await input.FillAsync($"Peinture {marker}\n::fake {directive}");
        await page.EvaluateAsync("(selector) => { window.__paint.selector = selector; window.__paint.on = true; }", selector);
        await input.PressAsync("Enter");
        await page.Locator("[data-testid=message-assistant][data-status=complete]").Nth(1).WaitForAsync(new() { Timeout = 120_000 });
        await page.WaitForTimeoutAsync(100);
        if (reasoning)
        {
            // The block closed when the answer began: open it again to read what it shows.
            await page.Locator("[data-testid=message-assistant]").Nth(1).Locator("[data-testid=reasoning-toggle]").ClickAsync();
        }
        var json = await page.EvaluateAsync<JsonElement>("""
            (selector) => {
              window.__paint.on = false;
              const all = document.querySelectorAll(selector);
              return { frames: window.__paint.frames, text: all[all.length - 1]?.textContent ?? '' };
            }
            """, selector);
        await context.CloseAsync();

        var request = ctx.Fake.Requests.Last(r => r.Messages.LastOrDefault(m => m.Role == "user")?.Content.Contains(marker) == true);
        var written = request.TokenTimes.Select(t => (t - DateTimeOffset.UnixEpoch).TotalMilliseconds).Take(tokens).ToArray();
        var frames = json.GetProperty("frames").EnumerateArray().Select(f => (Token: f[0].GetInt32(), At: f[1].GetDouble())).ToList();
        var latencies = new List<double>();
        var f = 0;
        for (var k = 1; k <= written.Length; k++)
        {
            while (f < frames.Count && frames[f].Token < k) f++;
            if (f == frames.Count) break;
            latencies.Add(frames[f].At - written[k - 1]);
        }
        var shown = WordRegex().Matches(json.GetProperty("text").GetString() ?? "").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        var exact = shown.Count == tokens && shown.Select((n, i) => n == i + 1).All(x => x) && written.Length == tokens && latencies.Count == tokens;
        return new TokenToPaintRate(tps, tokens, Distribution.Of(latencies), exact, frames.Count, skew, reasoning);
    }

    [GeneratedRegex(@"w(\d{5})")]
    private static partial Regex WordRegex();

    public static void Write(Md md, TokenToPaintResult r)
    {
        md.Line("## 9. Token to paint");
        md.Line();
        md.Line("From the fake writing a token (its log, `DateTimeOffset.UtcNow` after the flush) to the end of the first frame whose painted text contains it");
        md.Line("(`performance.timeOrigin + performance.now()` in a message posted from `requestAnimationFrame`, which runs after that frame's rendering),");
        md.Line("in headless Chromium on the same machine. Each token is a numbered word (`w00001 w00002 …`, a paragraph every 40), 100 ms before the first;");
        md.Line("a 50-token Markdown answer warms the page first. *Exact*: the page ends with every word, once, in order.");
        md.Line($"Load average (1 min) during the section: {r.LoadAverage:0.00}.");
        md.Line();
        md.Line("Reasoning rows: the numbered words are the model's thinking (`thinking` directive), painted in the open « Réflexion » block, then a one-word answer.");
        md.Line();
        md.Line("| tokens | tokens/s | count | n | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | frames with new text | exact | page clock − host clock (ms) |");
        md.Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        foreach (var x in r.Rates)
            md.Line($"| {(x.Reasoning ? "reasoning" : "answer")} | {x.Tps:N0} | {x.Tokens:N0} | {x.Latency.N} | {Distribution.Ms(x.Latency.P50)} | {Distribution.Ms(x.Latency.P95)} | {Distribution.Ms(x.Latency.P99)} | {Distribution.Ms(x.Latency.Max)} | {x.FramesWithNewText} | {(x.Exact ? "yes" : "**no**")} | {x.ClockSkewMs:0.0} |");
        md.Line();
        md.Line("The last column estimates how far the page's clock is from the host's (one round trip, its midpoint); the latencies are not corrected by it.");
        md.Line();
    }
}
