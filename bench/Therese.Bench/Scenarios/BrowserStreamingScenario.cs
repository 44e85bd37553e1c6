using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Therese.Bench.Browser;
using Therese.Bench.Report;

namespace Therese.Bench.Scenarios;

/// <param name="ReasoningTokens">Tokens of reasoning streamed (in the open « Réflexion » block) before the answer's <paramref name="Tokens"/>.</param>
public sealed record BrowserStreamingRun(int Tokens, double SendToDoneMs, double FirstTextMs, int LongTasks, double LongestTaskMs, double BlockingMs,
    int Frames, int TextFrames, double MaxTextGapMs, double MaxFrameGapMs, string Status, int ReasoningTokens = 0, int Tps = 1000, List<string>? LongFrames = null);

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
        var plan = new[] { (Tokens: 300, Reasoning: 0, Measured: false, Tps: 1000) }
            .Concat(sizes.Select(n => (Tokens: n, Reasoning: 0, Measured: true, Tps: 1000)))
            .Append((Tokens: reasoningThenAnswer, Reasoning: reasoningThenAnswer, Measured: true, Tps: 1000));
        // --only streaming: issue 22's streaming measurement alone, five answers of 3,000 Markdown tokens at 500 tokens/s.
        if (ctx.Options.Only == "streaming")
            plan = new[] { (Tokens: 300, Reasoning: 0, Measured: false, Tps: 1000) }
                .Concat(Enumerable.Repeat((Tokens: 3000, Reasoning: 0, Measured: true, Tps: 500), ctx.Options.Quick ? 2 : 5));
        foreach (var (tokens, reasoning, measured, tps) in plan)
        {
            ctx.Progress($"8. browser streaming: {(reasoning > 0 ? $"{reasoning} reasoning tokens then " : "")}{tokens} Markdown tokens at {tps:N0} tokens/s{(measured ? "" : " (warm-up)")}");
            var context = await Chromium.NewContextAsync(browser);
            var page = await context.NewPageAsync();
            await page.AddInitScriptAsync(InitScript);
            await page.GotoAsync(ctx.Host.BaseUrl + "/");
            var input = page.Locator("[data-testid=chat-input]");
            await input.WaitForAsync();
            var thinking = reasoning > 0 ? $"\"thinking_tokens\":{reasoning}," : "";
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
                    [.. json.GetProperty("longFrames").EnumerateArray().Select(f => f.GetString()!)]));
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
        md.Line("A `PerformanceObserver('longtask')`, a `MutationObserver` on the answer and a `requestAnimationFrame` loop (frames, frames in which the answer changed).");
        md.Line($"Load average (1 min) during the section: {r.LoadAverage:0.00}.");
        md.Line();
        md.Line("The last row streams as many reasoning tokens first (`thinking_tokens`), shown live in the open « Réflexion » block, which closes when the answer begins.");
        md.Line();
        md.Line("| tokens | tokens/s | Enter → complete (ms) | first text (ms) | long tasks | longest (ms) | blocking time (ms) | frames | frames with new text | max gap between text updates (ms) | max frame interval (ms) | status |");
        md.Line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var b in r.Runs)
            md.Line($"| {(b.ReasoningTokens > 0 ? $"{b.ReasoningTokens:N0} reasoning + " : "")}{b.Tokens:N0} | {b.Tps:N0} | {b.SendToDoneMs:0} | {b.FirstTextMs:0} | {b.LongTasks} | {b.LongestTaskMs:0} | {b.BlockingMs:0} | {b.Frames} | {b.TextFrames} | {b.MaxTextGapMs:0} | {b.MaxFrameGapMs:0} | {b.Status} |");
        md.Line();
        foreach (var (b, n) in r.Runs.Select((b, n) => (b, n + 1)).Where(x => x.b.LongFrames is { Count: > 0 }))
            md.Line($"Run {n}, long animation frames while streaming (ms after Enter) and their scripts: {string.Join(" | ", b.LongFrames!)}.");
        md.Line();
    }
}
