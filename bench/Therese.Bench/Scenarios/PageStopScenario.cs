using Microsoft.Playwright;
using Therese.Bench.Browser;
using Therese.Bench.Report;

namespace Therese.Bench.Scenarios;

public sealed record PageStopRuns(string How, int Runs, Distribution ToProviderClosed, Distribution ToShownStopped, int TextFrozen);

public sealed record PageStopResult(List<PageStopRuns> Ways, double LoadAverage);

/// <summary>
/// Section 12: Stop in the page, as the browser test StopTests does it: a real mouse click on « Arrêter » (its actionability
/// checked first by a trial click, so that the clock starts right before the mouse input), or Escape, in the middle of an
/// answer streaming at 20 tokens/s. From the input to the fake provider seeing its connection closed (both on the wall clock),
/// and to the page marking the answer stopped (a MutationObserver, on the page's wall clock).
/// </summary>
public static class PageStopScenario
{
    private const string InitScript = """
        (() => {
          window.__stoppedAt = null;
          new MutationObserver((records) => {
            for (const r of records)
              if (r.target.getAttribute?.('data-status') === 'stopped') window.__stoppedAt ??= performance.timeOrigin + performance.now();
          }).observe(document, { attributes: true, attributeFilter: ['data-status'], subtree: true });
        })();
        """;

    /// <summary>The Stop comes at least this long after Envoyer, in the middle of the answer (kept at 650 ms so the figures compare with earlier runs).</summary>
    private static readonly TimeSpan AfterSend = TimeSpan.FromMilliseconds(650);

    public static async Task<PageStopResult> RunAsync(BenchContext ctx, IBrowser browser)
    {
        var runs = ctx.Options.Quick ? 2 : 15;
        var load = Machine.Load1();
        var ways = new List<PageStopRuns>();
        var context = await Chromium.NewContextAsync(browser);
        var page = await context.NewPageAsync();
        await page.AddInitScriptAsync(InitScript);
        foreach (var how in new[] { "click", "Escape" })
        {
            ctx.Progress($"12. Stop in the page ({how}): {runs} stops");
            var closed = new List<double>();
            var shown = new List<double>();
            var frozen = 0;
            // One unreported stop first: the page's and the server's first Stop path is not what a user meets every time.
            for (var i = -1; i < runs; i++)
            {
                var (toClosed, toShown, textFrozen) = await StopOnceAsync(ctx, page, how);
                if (i < 0) continue;
                closed.Add(toClosed);
                shown.Add(toShown);
                if (textFrozen) frozen++;
            }
            ways.Add(new PageStopRuns(how, runs, Distribution.Of(closed), Distribution.Of(shown), frozen));
        }
        await context.CloseAsync();
        return new PageStopResult(ways, Math.Max(load, Machine.Load1()));
    }

    private static async Task<(double ToClosed, double ToShown, bool Frozen)> StopOnceAsync(BenchContext ctx, IPage page, string how)
    {
        ctx.Fake.ClearLog();
        await page.GotoAsync(ctx.Host.BaseUrl + "/");
        var input = page.Locator("[data-testid=chat-input]");
        await input.WaitForAsync();
        await input.FillAsync(BenchContext.Message("""{"tokens":400,"tps":20,"ttft_ms":100}"""));
        await input.PressAsync("Enter");
        var sent = System.Diagnostics.Stopwatch.StartNew();
        var answer = page.Locator("[data-testid=message-assistant][data-status=streaming] [data-testid=message-content]");
        await answer.Last.WaitForAsync();
        await ctx.Fake.WaitForRequestAsync(r => r.TokensSent >= 6, TimeSpan.FromSeconds(10));
        if (sent.Elapsed < AfterSend) await Task.Delay(AfterSend - sent.Elapsed);

        DateTimeOffset inputAt;
        if (how == "click")
        {
            var button = page.GetByTestId("stop-button");
            await button.ClickAsync(new LocatorClickOptions { Trial = true });
            var box = await button.BoundingBoxAsync() ?? throw new InvalidOperationException("the stop button has no box");
            inputAt = DateTimeOffset.UtcNow;
            await page.Mouse.ClickAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        }
        else
        {
            inputAt = DateTimeOffset.UtcNow;
            await page.Keyboard.PressAsync("Escape");
        }

        var request = await ctx.Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(10));
        await page.Locator("[data-testid=message-assistant][data-status=stopped]").Last.WaitForAsync();
        var stoppedAt = await page.EvaluateAsync<double?>("() => window.__stoppedAt");
        var text = await LastAnswerTextAsync(page);
        await Task.Delay(300);
        var frozen = text == await LastAnswerTextAsync(page) && ctx.Fake.Requests.Single().TokensSent == request.TokensSent;
        var toShown = stoppedAt is { } at ? (DateTimeOffset.FromUnixTimeMilliseconds(0).AddMilliseconds(at) - inputAt).TotalMilliseconds : double.NaN;
        return ((request.DisconnectedAt!.Value - inputAt).TotalMilliseconds, toShown, frozen);
    }

    private static Task<string> LastAnswerTextAsync(IPage page) => page.EvaluateAsync<string>("""
        () => {
          const all = document.querySelectorAll('[data-testid=message-assistant] [data-testid=message-content]');
          return all.length ? all[all.length - 1].textContent : '';
        }
        """);

    public static void Write(Md md, PageStopResult r)
    {
        md.Line("## 12. Stop in the page");
        md.Line();
        md.Line("Headless Chromium on the built front end; each Stop on a new page load, in the middle of an answer at 20 tokens/s (after 6 tokens");
        md.Line($"and {AfterSend.TotalMilliseconds:0} ms after Enter), after one unreported Stop.");
        md.Line("*Click*: a real mouse click on « Arrêter », the clock started right before the mouse input (actionability checked first by a trial click);");
        md.Line("*Escape*: the key. Both end at the fake provider's `DisconnectedAt` (wall clock, as the input's time) and at the page marking the answer");
        md.Line($"`data-status=stopped` (a MutationObserver, `performance.timeOrigin + performance.now()`). Load average (1 min): {r.LoadAverage:0.00}.");
        md.Line();
        md.Line(Distribution.Header);
        foreach (var w in r.Ways)
        {
            md.Line(w.ToProviderClosed.Row($"{w.How} → provider connection closed"));
            md.Line(w.ToShownStopped.Row($"{w.How} → the page shows the answer stopped"));
        }
        md.Line();
        md.Line("Text and provider frozen 300 ms after the Stop (no new word shown, no token sent): "
                + string.Join(", ", r.Ways.Select(w => $"{w.TextFrozen}/{w.Runs} ({w.How})")) + ".");
        md.Line();
    }
}
