using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Therese.Bench;

public sealed record BrowserResult(int Tokens, double SendToDoneMs, double FirstTextMs, int LongTasks, double LongestTaskMs, double LongTaskTotalMs,
    double BlockingMs, double FirstHalfLongMs, double SecondHalfLongMs, int Frames, int TextFrames, double MaxTextGapMs, double MaxFrameGapMs, int TextChars, string Status);

/// <summary>The app in headless Chromium: long tasks, frames that received text, gaps between text updates.</summary>
public static class BrowserBench
{
    // Installed before the app's own scripts (AddInitScript goes through CDP, so the page's CSP does not apply).
    private const string InitScript = """
        (() => {
          const b = window.__bench = { recording: false, t0: 0, longTasks: [], frames: 0, textFrames: 0, firstText: 0, lastText: 0, maxGap: 0, lastFrame: 0, maxFrameGap: 0, dirty: false };
          try {
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
            }).observe({ type: 'longtask', buffered: true });
          } catch (e) { b.noLongTask = String(e); }
          const inAnswer = (node) => {
            const el = node && (node.nodeType === 1 ? node : node.parentElement);
            return !!(el && el.closest('[data-testid=message-assistant] [data-testid=message-content], [data-testid=message-assistant]'));
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

    public static async Task<List<BrowserResult>> RunAsync(string baseUrl, int[] sizes, Action<string> progress)
    {
        var chromium = Environment.GetEnvironmentVariable("THERESE_CHROMIUM");
        if (string.IsNullOrEmpty(chromium)) chromium = File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : "/usr/bin/chromium-browser";
        if (!File.Exists(chromium)) throw new FileNotFoundException($"No Chromium at {chromium} (apt-get install -y chromium, or set THERESE_CHROMIUM).");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
        Version = browser.Version;
        var results = new List<BrowserResult>();
        // A short warm-up answer first (JIT of the page's code, fonts), then the measured ones, each on a fresh page.
        foreach (var (tokens, measured) in new[] { (300, false) }.Concat(sizes.Select(n => (n, true))))
        {
            progress($"   browser: {tokens} Markdown tokens at 1000 tokens/s{(measured ? "" : " (warm-up)")}");
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
            var page = await context.NewPageAsync();
            await page.AddInitScriptAsync(InitScript);
            await page.GotoAsync(baseUrl + "/");
            var input = page.Locator("[data-testid=chat-input]");
            await input.WaitForAsync();
            await input.FillAsync($"Mesure navigateur\n::fake {{\"tokens\":{tokens},\"markdown\":true,\"tps\":1000}}");
            await page.EvaluateAsync("() => { const b = window.__bench; b.longTasks = []; b.recording = true; b.t0 = performance.now(); }");
            var sw = Stopwatch.StartNew();
            await input.PressAsync("Enter");
            var done = page.Locator("[data-testid=message-assistant][data-status=complete], [data-testid=message-assistant][data-status=error]");
            await done.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 180_000 });
            var elapsed = sw.Elapsed.TotalMilliseconds;
            await page.WaitForTimeoutAsync(300); // let the last frames and long-task entries land
            var json = await page.EvaluateAsync<JsonElement>("""
                () => {
                  const b = window.__bench; b.recording = false;
                  const tasks = b.longTasks.filter(t => t.start >= b.t0);
                  const content = document.querySelectorAll('[data-testid=message-assistant] [data-testid=message-content]');
                  const last = content[content.length - 1];
                  const status = document.querySelector('[data-testid=message-assistant]')?.getAttribute('data-status');
                  return { n: tasks.length, longest: Math.max(0, ...tasks.map(t => t.duration)), total: tasks.reduce((s, t) => s + t.duration, 0),
                           blocking: tasks.reduce((s, t) => s + Math.max(0, t.duration - 50), 0),
                           half1: tasks.filter(t => t.start < (b.firstText + b.lastText) / 2).reduce((s, t) => s + t.duration, 0),
                           half2: tasks.filter(t => t.start >= (b.firstText + b.lastText) / 2).reduce((s, t) => s + t.duration, 0),
                           frames: b.frames, textFrames: b.textFrames, maxGap: b.maxGap, maxFrameGap: b.maxFrameGap,
                           firstText: b.firstText ? b.firstText - b.t0 : -1, chars: last ? last.textContent.length : 0, status: status || '',
                           noLongTask: b.noLongTask || '' };
                }
                """);
            if (json.GetProperty("noLongTask").GetString() is { Length: > 0 } err) throw new InvalidOperationException("longtask observer unavailable: " + err);
            if (measured)
                results.Add(new BrowserResult(tokens, elapsed, json.GetProperty("firstText").GetDouble(), json.GetProperty("n").GetInt32(),
                    json.GetProperty("longest").GetDouble(), json.GetProperty("total").GetDouble(), json.GetProperty("blocking").GetDouble(),
                    json.GetProperty("half1").GetDouble(), json.GetProperty("half2").GetDouble(),
                    json.GetProperty("frames").GetInt32(), json.GetProperty("textFrames").GetInt32(), json.GetProperty("maxGap").GetDouble(),
                    json.GetProperty("maxFrameGap").GetDouble(), json.GetProperty("chars").GetInt32(), json.GetProperty("status").GetString()!));
            await context.CloseAsync();
        }
        return results;
    }

    public static string Version { get; private set; } = "";

    public static string Describe(List<BrowserResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Headless Chromium {Version} (Playwright 1.64.1, `--disable-gpu`), viewport 1280×800, on the same 2 cores as the server.");
        sb.AppendLine("The page is the built front end served by THÉRÈSE at `/`. The message typed in `[data-testid=chat-input]` carries");
        sb.AppendLine("`::fake {\"tokens\":N,\"markdown\":true,\"tps\":1000}` (headings, lists, a table, code fences; 300 ms before the first token), sent with Enter.");
        sb.AppendLine("A `PerformanceObserver('longtask')` and a `MutationObserver` on the answer's DOM are installed with `AddInitScript`;");
        sb.AppendLine("a `requestAnimationFrame` loop counts frames, and the frames in which the answer's text had changed since the previous frame.");
        sb.AppendLine("Measured from the Enter key until the answer shows `data-status=complete`; one warm-up answer of 300 tokens first.");
        sb.AppendLine();
        sb.AppendLine("| tokens | Enter → complete (ms) | first text (ms) | long tasks | longest task (ms) | long-task total (ms) | blocking time (ms, Σ over 50 ms) | long-task ms, 1st / 2nd half of the stream | frames | frames with new text | max gap between text updates (ms) | max frame interval (ms) | status |");
        sb.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results)
            sb.AppendLine($"| {r.Tokens:N0} | {r.SendToDoneMs:0} | {r.FirstTextMs:0} | {r.LongTasks} | {r.LongestTaskMs:0} | {r.LongTaskTotalMs:0} | {r.BlockingMs:0} | {r.FirstHalfLongMs:0} / {r.SecondHalfLongMs:0} | {r.Frames} | {r.TextFrames} | {r.MaxTextGapMs:0} | {r.MaxFrameGapMs:0} | {r.Status} |");
        sb.AppendLine();
        sb.AppendLine("At 1,000 tokens/s the ideal is the token stream's own duration (N ms) plus ~300 ms, text in nearly every frame (~60/s),");
        sb.AppendLine("and no gap between text updates much above one frame (16.7 ms). A long task is main-thread work over 50 ms (the page cannot paint or react).");
        sb.AppendLine("The halves split the time between the first and the last text update: long-task time growing in the second half means the cost per update grows with the answer.");
        return sb.ToString();
    }
}
