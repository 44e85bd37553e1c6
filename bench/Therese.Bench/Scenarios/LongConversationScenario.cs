using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Therese.Bench.Browser;
using Therese.Bench.Report;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

public sealed record LongConversationResult(int Messages, double OpenMs, int OpenLongTasks, double OpenLongestMs,
    int ScrollSteps, double ScrollMs, int ScrollLongTasks, double ScrollLongestMs, bool ReachedFirst, double LoadAverage);

/// <summary>
/// Section 13: a conversation of 2,000 messages (written straight into the database, as the browser test
/// LongConversationTests does) opened from the sidebar, then scrolled back to its first message with the mouse wheel:
/// the long tasks of each part, with a PerformanceObserver('longtask') installed before the page's scripts.
/// </summary>
public static class LongConversationScenario
{
    private const string InitScript = """
        (() => {
          window.__longTasks = [];
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
          }).observe({ type: 'longtask', buffered: true });
        })();
        """;

    public static async Task<LongConversationResult> RunAsync(BenchContext ctx, IBrowser browser)
    {
        var exchanges = ctx.Options.Quick ? 100 : 1000;
        ctx.Progress($"13. a conversation of {2 * exchanges:N0} messages: opening and scrolling back to the first");
        var load = Machine.Load1();
        var id = await LongConversation.SeedAsync(ctx.Host.Services, exchanges);
        var context = await Chromium.NewContextAsync(browser);
        var page = await context.NewPageAsync();
        await page.AddInitScriptAsync(InitScript);
        await page.GotoAsync(ctx.Host.BaseUrl + "/");
        var item = page.Locator($"[data-testid=conversation-item][data-conversation-id='{id}']");
        await item.WaitForAsync();

        // Opening: a client-side navigation from the sidebar, until the last message is on screen.
        var clock = Stopwatch.StartNew();
        var openStart = await page.EvaluateAsync<double>("() => performance.now()");
        await item.ClickAsync();
        await page.WaitForFunctionAsync("""
            (marker) => {
              const list = document.querySelector('[data-testid=message-list]');
              const all = list?.querySelectorAll('[data-testid=message-assistant]');
              const last = all?.[all.length - 1];
              if (!last || !last.textContent.includes(marker)) return false;
              const a = last.getBoundingClientRect(), b = list.getBoundingClientRect();
              return a.bottom > b.top && a.top < b.bottom;
            }
            """, LongConversation.LastMarker(exchanges), new PageWaitForFunctionOptions { PollingInterval = 50, Timeout = 60_000 });
        await page.EvaluateAsync("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))");
        var openEnd = await page.EvaluateAsync<double>("() => performance.now()");
        var openMs = clock.Elapsed.TotalMilliseconds;

        // Scrolling to the top with the mouse wheel; after each step, until the list has moved (scrolled, or earlier messages added).
        var list = page.GetByTestId("message-list");
        var box = (await list.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        clock.Restart();
        var steps = 0;
        var reached = false;
        for (; steps < 4 * exchanges; steps++)
        {
            var state = await page.EvaluateAsync<JsonElement>("""
                (marker) => {
                  const el = document.querySelector('[data-testid=message-list]');
                  const first = el.querySelector('[data-testid=message-user]');
                  const atFirst = !document.querySelector('[data-testid=load-earlier]') && !!first && first.textContent.includes(marker)
                    && first.getBoundingClientRect().top >= el.getBoundingClientRect().top - 1;
                  return { top: el.scrollTop, height: el.scrollHeight, atFirst };
                }
                """, LongConversation.FirstMarker);
            if (state.GetProperty("atFirst").GetBoolean())
            {
                reached = true;
                break;
            }
            await page.Mouse.WheelAsync(0, -1500);
            await page.WaitForFunctionAsync("""
                ([top, height]) => {
                  const el = document.querySelector('[data-testid=message-list]');
                  return el.scrollTop !== top || el.scrollHeight !== height || (el.scrollTop === 0 && !document.querySelector('[data-testid=load-earlier]'));
                }
                """, new[] { state.GetProperty("top").GetDouble(), state.GetProperty("height").GetDouble() },
                new PageWaitForFunctionOptions { PollingInterval = 16, Timeout = 10_000 });
        }
        var scrollEnd = await page.EvaluateAsync<double>("() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))");
        var scrollMs = clock.Elapsed.TotalMilliseconds;

        var tasks = (await page.EvaluateAsync<JsonElement>("() => window.__longTasks")).EnumerateArray()
            .Select(t => (Start: t.GetProperty("start").GetDouble(), Duration: t.GetProperty("duration").GetDouble())).ToList();
        var opening = tasks.Where(t => t.Start >= openStart && t.Start <= openEnd).ToList();
        var scrolling = tasks.Where(t => t.Start > openEnd && t.Start <= scrollEnd).ToList();
        await context.CloseAsync();
        return new LongConversationResult(2 * exchanges, openMs, opening.Count, opening.Select(t => t.Duration).DefaultIfEmpty(0).Max(),
            steps, scrollMs, scrolling.Count, scrolling.Select(t => t.Duration).DefaultIfEmpty(0).Max(), reached, Math.Max(load, Machine.Load1()));
    }

    public static void Write(Md md, LongConversationResult r)
    {
        md.Line($"## 13. A long conversation ({r.Messages:N0} messages)");
        md.Line();
        md.Line($"{r.Messages:N0} messages (Markdown answers: lists, tables, code) written straight into the database, opened from the sidebar");
        md.Line("(client-side navigation, until the last message is on screen), then scrolled back to the first message with the mouse wheel");
        md.Line("(steps of −1,500 px, each until the list has moved). Long tasks from a `PerformanceObserver('longtask')` installed before the page's scripts.");
        md.Line($"Load average (1 min): {r.LoadAverage:0.00}.");
        md.Line();
        md.Line("| part | time (ms) | long tasks (> 50 ms) | longest (ms) |");
        md.Line("| --- | ---: | ---: | ---: |");
        md.Line($"| opening, click → last message on screen | {r.OpenMs:0} | {r.OpenLongTasks} | {r.OpenLongestMs:0} |");
        md.Line($"| scrolling back to the first message, {r.ScrollSteps} wheel steps{(r.ReachedFirst ? "" : " (first message NOT reached)")} | {r.ScrollMs:0} | {r.ScrollLongTasks} | {r.ScrollLongestMs:0} |");
        md.Line();
    }
}
