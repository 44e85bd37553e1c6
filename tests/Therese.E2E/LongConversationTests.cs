using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// A conversation of 2,000 messages (written straight into the database) opens from the sidebar and
/// scrolls back to its first message, every message there. The long tasks meanwhile are written to the
/// output; their figure is the benchmark's (section 13), not a bound a shared machine may miss.
/// </summary>
public sealed class LongConversationTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    private const int Exchanges = 1000;
    /// <summary>Frames longer than this are written to the output with their scripts.</summary>
    private const double LongFrameMs = 100;
    private static readonly string FirstMarker = LongConversation.FirstMarker;
    private static readonly string LastMarker = LongConversation.LastMarker(Exchanges);

    [Fact]
    public Task A_2000_message_conversation_opens_and_scrolls_back_to_its_first_message() => RunAsync(async () =>
    {
        var id = await LongConversation.SeedAsync(Host.Services, Exchanges);
        await Page.AddInitScriptAsync(LongTasks.ObserverScript);
        await OpenAsync("/");
        var item = Page.Locator($"[data-testid=conversation-item][data-conversation-id='{id}']");
        await Expect(item).ToBeVisibleAsync();
        var profiler = await PageProfiler.StartAsync(Context, Page);

        // Opening: a client-side navigation from the sidebar, until the last message is on screen.
        // (No Playwright `Expect` while measuring: cheap page predicates only.)
        var clock = Stopwatch.StartNew();
        var openStart = await Page.EvaluateAsync<double>("() => performance.now()");
        await item.ClickAsync();
        await Page.WaitForFunctionAsync(
            """
            (marker) => {
              const list = document.querySelector('[data-testid=message-list]');
              const all = list?.querySelectorAll('[data-testid=message-assistant]');
              const last = all?.[all.length - 1];
              if (!last || !last.textContent.includes(marker)) return false;
              const a = last.getBoundingClientRect(), b = list.getBoundingClientRect();
              return a.bottom > b.top && a.top < b.bottom;
            }
            """, LastMarker, new PageWaitForFunctionOptions { PollingInterval = 50, Timeout = 15_000 });
        // Let the frame that shows it end, so its work counts as opening.
        await Page.EvaluateAsync("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))");
        var openEnd = await Page.EvaluateAsync<double>("() => performance.now()");
        var openMs = clock.ElapsedMilliseconds;

        // Scrolling to the top with the mouse wheel; after each step wait until the list has moved.
        var list = Page.GetByTestId("message-list");
        var box = (await list.BoundingBoxAsync())!;
        await Page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        clock.Restart();
        var steps = 0;
        const int maxSteps = 1200; // measured: ~570 steps (the wheel animation stops each time earlier messages are added)
        for (; steps < maxSteps; steps++)
        {
            var state = await ScrollStateAsync();
            if (state.AtFirst) break;
            await Page.Mouse.WheelAsync(0, -1500);
            // Settled: the position changed (scrolled, or earlier messages were added above), or the top is reached.
            await Page.WaitForFunctionAsync(
                """
                ([top, height]) => {
                  const el = document.querySelector('[data-testid=message-list]');
                  return el.scrollTop !== top || el.scrollHeight !== height || (el.scrollTop === 0 && !document.querySelector('[data-testid=load-earlier]'));
                }
                """, new[] { state.Top, state.Height }, new PageWaitForFunctionOptions { PollingInterval = 16, Timeout = 5_000 });
        }
        var scrollEnd = await Page.EvaluateAsync<double>("() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))");
        var scrollMs = clock.ElapsedMilliseconds;
        var height = await list.EvaluateAsync<double>("el => el.scrollHeight");
        if (profiler is not null) await PageProfiler.SaveAsync(profiler, "long-conversation", Output);

        var statsJson = await Page.EvaluateAsync<string>("() => JSON.stringify({ longTasks: window.__longTasks, frames: window.__frames })");
        var stats = JsonSerializer.Deserialize<Stats>(statsJson, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var opening = stats.LongTasks.Where(t => t.Start >= openStart && t.Start <= openEnd).ToList();
        var scrolling = stats.LongTasks.Where(t => t.Start > openEnd && t.Start <= scrollEnd).ToList();
        double Longest(List<LongTask> tasks) => tasks.Count == 0 ? 0 : tasks.Max(t => t.Duration);
        Output.WriteLine($"opening: {openMs} ms to the last message; {opening.Count} long task(s) over 50 ms, longest {Longest(opening):F0} ms");
        Output.WriteLine($"scrolling: {steps} wheel steps of -1500 px in {scrollMs} ms (list height at the end {height:F0} px); {scrolling.Count} long task(s) over 50 ms, longest {Longest(scrolling):F0} ms");
        foreach (var t in opening.Concat(scrolling))
            Output.WriteLine($"  long task at {t.Start - openStart:F0} ms: {t.Duration:F0} ms");
        foreach (var f in stats.Frames.Where(f => f.Start >= openStart && f.Start <= scrollEnd && f.Duration > LongFrameMs))
            Output.WriteLine($"  long frame at {f.Start - openStart:F0} ms: {f.Duration:F0} ms, blocking {f.Blocking:F0} ms, render {f.Render:F0} ms; {f.Scripts}");

        // The first message is on screen, the list has all 2,000.
        Assert.True(steps < maxSteps, $"the first message was not reached after {maxSteps} wheel steps");
        var first = Page.GetByTestId("message-user").First;
        await Expect(first).ToContainTextAsync(FirstMarker);
        await Expect(first).ToBeInViewportAsync();
        await Expect(Page.GetByTestId("load-earlier")).ToHaveCountAsync(0);
        await Expect(Page.GetByTestId("message-user")).ToHaveCountAsync(Exchanges);
        await Expect(Page.GetByTestId("message-assistant")).ToHaveCountAsync(Exchanges);
    });

    private async Task<(double Top, double Height, bool AtFirst)> ScrollStateAsync()
    {
        var s = await Page.EvaluateAsync<JsonElement>(
            """
            (marker) => {
              const el = document.querySelector('[data-testid=message-list]');
              const first = el.querySelector('[data-testid=message-user]');
              const atFirst = !document.querySelector('[data-testid=load-earlier]') && !!first && first.textContent.includes(marker)
                && first.getBoundingClientRect().top >= el.getBoundingClientRect().top - 1;
              return { top: el.scrollTop, height: el.scrollHeight, atFirst };
            }
            """, FirstMarker);
        return (s.GetProperty("top").GetDouble(), s.GetProperty("height").GetDouble(), s.GetProperty("atFirst").GetBoolean());
    }

    private sealed class Stats
    {
        public List<LongTask> LongTasks { get; set; } = [];
        public List<Frame> Frames { get; set; } = [];
    }

    private sealed class LongTask
    {
        public double Start { get; set; }
        public double Duration { get; set; }
    }

    private sealed class Frame
    {
        public double Start { get; set; }
        public double Duration { get; set; }
        public double Blocking { get; set; }
        public double Render { get; set; }
        public string Scripts { get; set; } = "";
    }
}
