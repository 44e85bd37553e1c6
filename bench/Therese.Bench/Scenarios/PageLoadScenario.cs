using System.Text.Json;
using Microsoft.Playwright;
using Therese.Bench.Browser;
using Therese.Bench.Report;

namespace Therese.Bench.Scenarios;

public sealed record PageLoad(double ShownMs, double IdleMs, int LongTasks, double LongestTaskMs, double StartJsKb, double IdleJsKb, List<string> LongTaskStarts,
    List<string> LongFrames);

public sealed record PageLoadResult(int Loads, int LoadsWithoutLongTask, double LongestTaskMs, double StartJsKb, double IdleJsKb,
    List<string> StartScripts, bool PlainTextWithStartJsOnly, List<PageLoad> Each, double LoadAverage);

/// <summary>
/// Section 7: the page from navigation to idle, in fresh browser contexts (empty cache): long tasks, and the
/// JavaScript it loads. Then a load where only the scripts of the first render may load (every other script
/// request is refused) streams a plain-text answer: what that needs is all the page needs.
/// </summary>
public static class PageLoadScenario
{
    private const string InitScript = """
        window.__load = { longTasks: [], frames: [], shown: 0 };
        // When the chat input first appears in the page (its first render), from inside the page.
        new MutationObserver((_, observer) => {
          if (!document.querySelector('[data-testid=chat-input]')) return;
          window.__load.shown = performance.now();
          observer.disconnect();
        }).observe(document, { childList: true, subtree: true });
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__load.longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });
        try {
          // What made a frame long: its scripts (where from, how long), for the report.
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) if (e.duration > 50) window.__load.frames.push({ start: e.startTime, duration: e.duration,
              scripts: e.scripts.map((s) => `${s.invokerType} ${s.invoker} ${(s.sourceURL || '').split('/').pop()}:${s.sourceFunctionName || ''} ${Math.round(s.duration)} ms`).join('; ') });
          }).observe({ type: 'long-animation-frame', buffered: true });
        } catch { }
        """;

    private const string Collect = """
        (shownAt) => {
          const scripts = performance.getEntriesByType('resource').filter(e => e.initiatorType === 'script' || e.initiatorType === 'link' && e.name.endsWith('.js') || e.name.endsWith('.js'));
          return {
            now: performance.now(),
            longTasks: window.__load.longTasks,
            frames: window.__load.frames,
            // One entry per script (a preloaded module can appear twice).
            scripts: [...new Map(scripts.map(e => [e.name, { name: e.name, start: e.startTime, size: e.decodedBodySize }])).values()],
          };
        }
        """;

    public static async Task<PageLoadResult> RunAsync(BenchContext ctx, IBrowser browser)
    {
        var loads = ctx.Options.Quick ? 2 : 5;
        var load = Machine.Load1();
        ctx.Progress($"7. page load: {loads} loads, navigation → idle, then plain text with the first render's scripts only");
        var each = new List<PageLoad>();
        var startScripts = new HashSet<string>();
        for (var i = 0; i < loads; i++)
        {
            var context = await Chromium.NewContextAsync(browser);
            var page = await context.NewPageAsync();
            await page.AddInitScriptAsync(InitScript);
            await page.GotoAsync(ctx.Host.BaseUrl + "/");
            await page.Locator("[data-testid=chat-input]").WaitForAsync();
            var shownAt = await page.EvaluateAsync<double>("() => window.__load.shown");
            // Idle: no network for 500 ms, then two seconds more in which nothing is scheduled by the page's first use.
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.WaitForTimeoutAsync(ctx.Options.Quick ? 500 : 2000);
            var json = await page.EvaluateAsync<JsonElement>(Collect, shownAt);
            var tasks = json.GetProperty("longTasks").EnumerateArray().Select(t => (Start: t.GetProperty("start").GetDouble(), Duration: t.GetProperty("duration").GetDouble())).ToList();
            var scripts = json.GetProperty("scripts").EnumerateArray()
                .Select(s => (Name: s.GetProperty("name").GetString()!, Start: s.GetProperty("start").GetDouble(), Size: s.GetProperty("size").GetDouble())).ToList();
            foreach (var s in scripts.Where(s => s.Start <= shownAt)) startScripts.Add(new Uri(s.Name).AbsolutePath);
            var frames = json.GetProperty("frames").EnumerateArray()
                .Select(f => $"{f.GetProperty("start").GetDouble():0} ms (+{f.GetProperty("duration").GetDouble():0}): {f.GetProperty("scripts").GetString()}").ToList();
            each.Add(new PageLoad(shownAt, json.GetProperty("now").GetDouble(), tasks.Count, tasks.Count == 0 ? 0 : tasks.Max(t => t.Duration),
                scripts.Where(s => s.Start <= shownAt).Sum(s => s.Size) / 1024, scripts.Sum(s => s.Size) / 1024,
                tasks.Select(t => $"{t.Start:0} ms: {t.Duration:0} ms").ToList(), frames));
            await context.CloseAsync();
        }

        var plainOk = await PlainTextWithOnlyAsync(ctx, browser, startScripts);
        return new PageLoadResult(loads, each.Count(l => l.LongTasks == 0), each.Max(l => l.LongestTaskMs), each.Max(l => l.StartJsKb), each.Max(l => l.IdleJsKb),
            [.. startScripts.Order()], plainOk, each, Math.Max(load, Machine.Load1()));
    }

    /// <summary>Loads the page refusing every script but <paramref name="allowed"/>, and streams a plain-text answer.</summary>
    private static async Task<bool> PlainTextWithOnlyAsync(BenchContext ctx, IBrowser browser, HashSet<string> allowed)
    {
        const string text = "Bonjour, voici une réponse en texte simple, sans mise en forme : elle doit s'afficher entière.";
        var context = await Chromium.NewContextAsync(browser);
        await context.RouteAsync("**/*.js", async route =>
        {
            if (allowed.Contains(new Uri(route.Request.Url).AbsolutePath)) await route.ContinueAsync();
            else await route.AbortAsync();
        });
        var page = await context.NewPageAsync();
        try
        {
            await page.GotoAsync(ctx.Host.BaseUrl + "/");
            var input = page.Locator("[data-testid=chat-input]");
            await input.WaitForAsync(new() { Timeout = 10_000 });
            await input.FillAsync($"Texte simple\n::fake {JsonSerializer.Serialize(new { text, tps = 200 })}");
            await input.PressAsync("Enter");
            var done = page.Locator("[data-testid=message-assistant][data-status=complete]");
            await done.WaitForAsync(new() { Timeout = 10_000 });
            var shown = await done.Locator("[data-testid=message-content]").TextContentAsync();
            return shown?.Trim() == text;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    public static void Write(Md md, PageLoadResult r)
    {
        md.Line("## 7. Page load");
        md.Line();
        md.Line($"{r.Loads} loads of `/`, each in a fresh browser context (empty cache), viewport 1280×800. A `PerformanceObserver('longtask')` installed before");
        md.Line("the page's scripts counts every task over 50 ms from navigation until idle (network quiet for 500 ms, then 2 s more). JavaScript sizes are");
        md.Line("`decodedBodySize` of the script resources: *to show the page* = those fetched before the chat input appeared; *once idle* = all of them.");
        md.Line($"Load average (1 min) during the section: {r.LoadAverage:0.00}.");
        md.Line();
        md.Line("| load | input shown (ms) | long tasks | longest (ms) | JS to show the page (KB) | JS once idle (KB) | long tasks (start: duration) |");
        md.Line("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        var i = 0;
        foreach (var l in r.Each)
            md.Line($"| {++i} | {l.ShownMs:0} | {l.LongTasks} | {l.LongestTaskMs:0} | {l.StartJsKb:0} | {l.IdleJsKb:0} | {(l.LongTaskStarts.Count == 0 ? "none" : string.Join("; ", l.LongTaskStarts))} |");
        md.Line();
        foreach (var (l, n) in r.Each.Select((l, n) => (l, n + 1)).Where(x => x.l.LongFrames.Count > 0))
            md.Line($"Load {n}, long animation frames and their scripts: {string.Join(" | ", l.LongFrames)}.");
        md.Line();
        md.Line($"Scripts of the first render: {string.Join(", ", r.StartScripts.Select(s => $"`{s}`"))}.");
        md.Line(r.PlainTextWithStartJsOnly
            ? "With every other script request refused, a plain-text answer streamed and showed exactly: those scripts are all the page needs to show itself and stream plain text."
            : "**With every other script request refused, a plain-text answer did NOT show exactly**: the page needs more than its first render's scripts.");
        md.Line();
    }
}
