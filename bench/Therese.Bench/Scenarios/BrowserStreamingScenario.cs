using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Therese.Bench.Browser;
using Therese.Bench.Report;

namespace Therese.Bench.Scenarios;

/// <param name="ReasoningTokens">Tokens of reasoning streamed (in the open « Réflexion » block) before the answer's <paramref name="Tokens"/>.</param>
/// <param name="Early">Sent as soon as the page's chat input showed, while the page was still loading (the app taking over, the Markdown
/// pipeline not yet fetched); otherwise sent once the app had taken over and the page had had two seconds to settle.</param>
public sealed record BrowserStreamingRun(int Tokens, double SendToDoneMs, double FirstTextMs, int LongTasks, double LongestTaskMs, double BlockingMs,
    int Frames, int TextFrames, double MaxTextGapMs, double MaxFrameGapMs, string Status, int ReasoningTokens = 0, int Tps = 1000, List<string>? LongFrames = null,
    bool Early = false, int? TtftMs = null);

public sealed record BrowserStreamingResult(List<BrowserStreamingRun> Runs, double LoadAverage);

/// <summary>
/// Section 8: long Markdown answers at 1,000 tokens/s: long tasks, frames that received text, gaps between text updates; and the
/// same answer after as long a reasoning, streamed in the « Réflexion » block first.
/// </summary>
public static class BrowserStreamingScenario
{
    // Installed before the app's own scripts (AddInitScript goes through CDP, so the page's CSP does not apply).
    private const string InitScript = """
        (() => {
          const b = window.__bench = { recording: false, t0: 0, longTasks: [], frames: 0, textFrames: 0, firstText: 0, lastText: 0, maxGap: 0, lastFrame: 0, maxFrameGap: 0, dirty: false };
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
          }).observe({ type: 'longtask', buffered: true });
          b.longFrames = [];
          try {
            // What made a frame long while recording: its scripts (where from, how long).
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) if (b.recording && e.duration > 50) b.longFrames.push(`${Math.round(e.startTime - b.t0)} (+${Math.round(e.duration)}, blocking ${Math.round(e.blockingDuration)}): `
                + e.scripts.map((s) => `${s.invokerType} ${s.invoker} ${(s.sourceURL || '').split('/').pop()}:${s.sourceFunctionName || ''} ${Math.round(s.duration)} ms`).join(', '));
            }).observe({ type: 'long-animation-frame' });
          } catch { }
          const inAnswer = (node) => {
            const el = node && (node.nodeType === 1 ? node : node.parentElement);
            return !!(el && el.closest('[data-testid=message-assistant]'));
          };
          const mo = new MutationObserver((mutations) => {
            if (!b.recording) return;
            for (const m of mutations) if (inAnswer(m.target)) { b.dirty = true; return; }
          });
          const start = () => mo.observe(document.documentElement, { subtree: true, childList: true, characterData: true });
          if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
          const tick = (ts) => {
            if (b.recording) {
              b.frames++;
              if (b.lastFrame) b.maxFrameGap = Math.max(b.maxFrameGap, ts - b.lastFrame);
              b.lastFrame = ts;
              if (b.dirty) {
                b.dirty = false;
                b.textFrames++;
                if (b.lastText) b.maxGap = Math.max(b.maxGap, ts - b.lastText); else b.firstText = ts;
                b.lastText = ts;
              }
            }
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        })();
        """;

    public static async Task<BrowserStreamingResult> RunAsync(BenchContext ctx, IBrowser browser)
    {
        int[] sizes = ctx.Options.Quick ? [2000] : [5000, 10000];
        var reasoningThenAnswer = ctx.Options.Quick ? 1000 : 5000;
        var load = Machine.Load1();
        var runs = new List<BrowserStreamingRun>();
        var plan = new[] { (Tokens: 300, Reasoning: 0, Measured: false, Tps: 1000, Early: false, Ttft: (int?)null) }
            .Concat(sizes.Select(n => (Tokens: n, Reasoning: 0, Measured: true, Tps: 1000, Early: false, Ttft: (int?)null)))
            .Append((Tokens: reasoningThenAnswer, Reasoning: reasoningThenAnswer, Measured: true, Tps: 1000, Early: false, Ttft: null));
        // Issue 22's streaming measurement: five answers of 3,000 Markdown tokens at 500 tokens/s in a settled page; then three
        // sent while the page loads with the fake's 300 ms before the first token, and three with 1 s (a hosted model's usual
        // wait). Alone with --only streaming.
        var times = ctx.Options.Quick ? 1 : 3;
        var issue22 = Enumerable.Repeat((Tokens: 3000, Reasoning: 0, Measured: true, Tps: 500, Early: false, Ttft: (int?)null), ctx.Options.Quick ? 1 : 5)
            .Concat(Enumerable.Repeat((Tokens: 3000, Reasoning: 0, Measured: true, Tps: 500, Early: true, Ttft: (int?)null), times))
            .Concat(Enumerable.Repeat((Tokens: 3000, Reasoning: 0, Measured: true, Tps: 500, Early: true, Ttft: (int?)1000), times));
        plan = ctx.Options.Only == "streaming" ? plan.Take(1).Concat(issue22) : plan.Concat(issue22);
        foreach (var (tokens, reasoning, measured, tps, early, ttft) in plan)
        {
            ctx.Progress($"8. browser streaming: {(reasoning > 0 ? $"{reasoning} reasoning tokens then " : "")}{tokens} Markdown tokens at {tps:N0} tokens/s{(measured ? "" : " (warm-up)")}{(early ? ", sent while the page loads" : "")}{(ttft is { } t ? $", first token after {t} ms" : "")}");
            var context = await Chromium.NewContextAsync(browser);
            var page = await context.NewPageAsync();
            await page.AddInitScriptAsync(InitScript);
            await page.GotoAsync(ctx.Host.BaseUrl + "/");
            var input = page.Locator("[data-testid=chat-input]");
            await input.WaitForAsync();
            if (!early)
            {
                // The page as someone finds it when they have typed their question: the app has taken over from the page's own
                // input and the page has had two seconds to settle (the Markdown pipeline fetched and warmed in idle time).
                await page.Locator("html[data-app]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
                await page.WaitForTimeoutAsync(2000);
            }
            var thinking = (reasoning > 0 ? $"\"thinking_tokens\":{reasoning}," : "") + (ttft is { } wait ? $"\"ttft_ms\":{wait}," : "");
            await input.FillAsync($"Mesure navigateur\n::fake {{{thinking}\"tokens\":{tokens},\"markdown\":true,\"tps\":{tps}}}");
            await page.EvaluateAsync("() => { const b = window.__bench; b.longTasks = []; b.recording = true; b.t0 = performance.now(); }");
            var sw = Stopwatch.StartNew();
            await input.PressAsync("Enter");
            var done = page.Locator("[data-testid=message-assistant][data-status=complete], [data-testid=message-assistant][data-status=error]");
            await done.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 180_000 });
            var elapsed = sw.Elapsed.TotalMilliseconds;
            await page.WaitForTimeoutAsync(300);
            var json = await page.EvaluateAsync<JsonElement>("""
                () => {
                  const b = window.__bench; b.recording = false;
                  const tasks = b.longTasks.filter(t => t.start >= b.t0);
                  const status = document.querySelector('[data-testid=message-assistant]')?.getAttribute('data-status');
                  return { n: tasks.length, longest: Math.max(0, ...tasks.map(t => t.duration)),
                           blocking: tasks.reduce((s, t) => s + Math.max(0, t.duration - 50), 0),
                           frames: b.frames, textFrames: b.textFrames, maxGap: b.maxGap, maxFrameGap: b.maxFrameGap,
                           firstText: b.firstText ? b.firstText - b.t0 : -1, status: status || '', longFrames: b.longFrames };
                }
                """);
            if (measured)
                runs.Add(new BrowserStreamingRun(tokens, elapsed, json.GetProperty("firstText").GetDouble(), json.GetProperty("n").GetInt32(),
                    json.GetProperty("longest").GetDouble(), json.GetProperty("blocking").GetDouble(), json.GetProperty("frames").GetInt32(),
                    json.GetProperty("textFrames").GetInt32(), json.GetProperty("maxGap").GetDouble(), json.GetProperty("maxFrameGap").GetDouble(),
                    json.GetProperty("status").GetString()!, reasoning, tps,
                    [.. json.GetProperty("longFrames").EnumerateArray().Select(f => f.GetString()!)], early, ttft));
            await context.CloseAsync();
        }
        return new BrowserStreamingResult(runs, Math.Max(load, Machine.Load1()));
    }

    public static void Write(Md md, BrowserStreamingResult r)
    {
        md.Line("## 8. Streaming in the browser");
        md.Line();
        md.Line("The built front end served by THÉRÈSE at `/`; a message carrying `::fake {\"tokens\":N,\"markdown\":true,\"tps\":1000}` (headings, lists, a table,");
        md.Line("code fences; 300 ms before the first token) typed in `[data-testid=chat-input]` and sent with Enter, after a 300-token warm-up answer.");
        md.Line("Each answer is in a page of its own, sent once the app has taken over and the page has had two seconds to settle, as when someone has");
        md.Line("typed a question; rows marked *while loading* were sent as soon as the page's own input showed, before the app or the Markdown pipeline had loaded");
        md.Line("(with the fake provider's 300 ms before the first token, or the 1 s stated).");
        md.Line("A `PerformanceObserver('longtask')`, a `MutationObserver` on the answer and a `requestAnimationFrame` loop (frames, frames in which the answer changed).");
        md.Line($"Load average (1 min) during the section: {r.LoadAverage:0.00}.");
        md.Line();
        md.Line("The last row streams as many reasoning tokens first (`thinking_tokens`), shown live in the open « Réflexion » block, which closes when the answer begins.");
        md.Line();
        md.Line("| tokens | tokens/s | Enter → complete (ms) | first text (ms) | long tasks | longest (ms) | blocking time (ms) | frames | frames with new text | max gap between text updates (ms) | max frame interval (ms) | status |");
        md.Line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var b in r.Runs)
            md.Line($"| {(b.ReasoningTokens > 0 ? $"{b.ReasoningTokens:N0} reasoning + " : "")}{b.Tokens:N0}{(b.Early ? $" (while loading{(b.TtftMs is { } t ? $", first token after {t} ms" : "")})" : "")} | {b.Tps:N0} | {b.SendToDoneMs:0} | {b.FirstTextMs:0} | {b.LongTasks} | {b.LongestTaskMs:0} | {b.BlockingMs:0} | {b.Frames} | {b.TextFrames} | {b.MaxTextGapMs:0} | {b.MaxFrameGapMs:0} | {b.Status} |");
        md.Line();
        foreach (var (b, n) in r.Runs.Select((b, n) => (b, n + 1)).Where(x => x.b.LongFrames is { Count: > 0 }))
            md.Line($"Run {n}, long animation frames while streaming (ms after Enter) and their scripts: {string.Join(" | ", b.LongFrames!)}.");
        md.Line();
    }
}
