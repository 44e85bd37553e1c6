using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Therese.FakeLlm;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// A 5,000-token Markdown answer streams into the page and arrives complete, word for word. Whether the page stays smooth
/// meanwhile (long tasks, frames with new text) is measured in the benchmark (section 8), not asserted here: a shared
/// machine can stall any frame.
/// </summary>
public sealed partial class LongAnswerTests(LongAnswerFixture fixture, ITestOutputHelper output)
    : E2ETest<LongAnswerFixture>(fixture, output), IClassFixture<LongAnswerFixture>
{
    private const int Tokens = 5000;

    [Fact]
    public Task Long_markdown_answer_streams_and_arrives_complete() => RunAsync(async () =>
    {
        await Page.AddInitScriptAsync(LongTasks.ObserverScript);
        await Page.AddInitScriptAsync(
            """
            window.__maxFrameGap = 0;
            // The longest gap between two animation frames while watching: the page's worst stall, even under 50 ms.
            window.__watchFrames = () => {
              let last = performance.now();
              window.__maxFrameGap = 0;
              window.__watching = true;
              const tick = (now) => {
                window.__maxFrameGap = Math.max(window.__maxFrameGap, now - last);
                last = now;
                if (window.__watching) requestAnimationFrame(tick);
              };
              requestAnimationFrame(tick);
            };
            """);
        // The long tasks and frames are written to the output, for whoever looks into a slow page.
        await StreamLongAnswerAsync();
    });

    /// <summary>Streams the answer in a new conversation, checks it arrived whole, and returns what the page recorded.</summary>
    private async Task<FrameStats> StreamLongAnswerAsync()
    {
        FakeLlm.ClearLog();
        await OpenAsync();
        // THERESE_E2E_PROFILE=1: also record a CPU profile of the page (saved beside the test binaries).
        var profiler = await PageProfiler.StartAsync(Context, Page);
        var start = await Page.EvaluateAsync<double>("() => { window.__watchFrames(); return performance.now(); }");
        await SendAsync(Fake.Message(new { tokens = Tokens, markdown = true, tps = 500, ttft_ms = 100 }, "Un long rapport, s’il vous plaît"));

        // No Playwright `Expect` while measuring: its polling computes an aria snapshot of the whole page
        // for the failure message (measured: ~1 s of main-thread time, long tasks of its own). Wait on the
        // fake's log, then on a cheap page predicate.
        await FakeLlm.WaitForRequestAsync(r => r.CompletedAt is not null || r.DisconnectedAt is not null, TimeSpan.FromSeconds(60));
        await Page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll('[data-testid=message-assistant]')].at(-1)?.getAttribute('data-status') !== 'streaming'",
            null, new PageWaitForFunctionOptions { PollingInterval = 100, Timeout = 30_000 });
        var end = await Page.EvaluateAsync<double>("() => performance.now()");
        if (profiler is not null) await PageProfiler.SaveAsync(profiler, "long-answer", Output);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        var request = FakeLlm.Requests.Single();
        Assert.Equal(Tokens, request.TokensSent);
        var streamed = (request.LastTokenAt!.Value - request.FirstTokenAt!.Value).TotalSeconds;

        var statsJson = await Page.EvaluateAsync<string>(
            """
            ([start, end]) => {
              window.__watching = false;
              return JSON.stringify({
                longTasks: window.__longTasks.filter((t) => t.start >= start && t.start <= end),
                frames: window.__frames.filter((f) => f.start >= start && f.start <= end),
                maxFrameGap: window.__maxFrameGap,
              });
            }
            """, new[] { start, end });
        var stats = JsonSerializer.Deserialize<FrameStats>(statsJson, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        stats.Start = start;
        var longest = stats.LongTasks.Count == 0 ? 0 : stats.LongTasks.Max(t => t.Duration);
        Output.WriteLine($"{Tokens} tokens streamed by the fake in {streamed:F1} s; " +
                         $"long tasks (> 50 ms) while streaming: {stats.LongTasks.Count}, longest {longest:F0} ms; " +
                         $"longest gap between two animation frames: {stats.MaxFrameGap:F0} ms");
        foreach (var t in stats.LongTasks)
            Output.WriteLine($"  long task at {t.Start - start:F0} ms: {t.Duration:F0} ms ({t.Name}; {t.Attribution})");
        foreach (var f in stats.Frames)
            Output.WriteLine($"  long frame at {f.Start - start:F0} ms: {f.Duration:F0} ms, blocking {f.Blocking:F0} ms, render {f.Render:F0} ms; {f.Scripts}");

        // The whole answer is on screen: the same words in the same order (Markdown syntax and emoji aside).
        var shown = Words(await LastContent.InnerTextAsync()).Where(w => w != "Copier").ToList(); // « Copier »: code block buttons
        var expected = Words(FakeText.Text(Tokens, markdown: true)).ToList();
        var firstDiff = Enumerable.Range(0, Math.Min(shown.Count, expected.Count)).FirstOrDefault(i => shown[i] != expected[i], -1);
        Assert.True(shown.Count == expected.Count && firstDiff == -1,
            $"the rendered answer differs from the streamed one: {shown.Count} words shown, {expected.Count} sent, first difference at word {firstDiff}; " +
            $"last words shown: {string.Join(' ', shown.TakeLast(12))}; last words sent: {string.Join(' ', expected.TakeLast(12))}");

        return stats;
    }

    private static IEnumerable<string> Words(string text) => WordRegex().Matches(text).Select(m => m.Value);

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordRegex();

    private sealed class FrameStats
    {
        public List<LongTask> LongTasks { get; set; } = [];
        public List<LongFrame> Frames { get; set; } = [];
        public double MaxFrameGap { get; set; }
        public double Start { get; set; }
    }

    private sealed class LongTask
    {
        public double Start { get; set; }
        public double Duration { get; set; }
        public string Name { get; set; } = "";
        public string Attribution { get; set; } = "";
    }

    private sealed class LongFrame
    {
        public double Start { get; set; }
        public double Duration { get; set; }
        public double Blocking { get; set; }
        public double Render { get; set; }
        public string Scripts { get; set; } = "";
    }
}
