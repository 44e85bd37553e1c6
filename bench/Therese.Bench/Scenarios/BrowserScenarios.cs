using Therese.Bench.Browser;
using Therese.Bench.Report;

namespace Therese.Bench.Scenarios;

/// <summary>Sections 7–9, 12 and 13: the page in headless Chromium, one browser for all.</summary>
public static class BrowserScenarios
{
    public static async Task RunAsync(BenchContext ctx, BenchReport report)
    {
        try
        {
            var (playwright, browser) = await Chromium.LaunchAsync();
            using (playwright)
            await using (browser)
            {
                report.Run.Chromium = browser.Version;
                if (ctx.Options.Only == "streaming")
                {
                    report.BrowserStreaming = await BrowserStreamingScenario.RunAsync(ctx, browser);
                    return;
                }
                report.FirstPaint = await FirstPaintScenario.RunAsync(ctx, browser);
                // --only first-paint: issue 22's measurement alone.
                if (ctx.Options.Only == "first-paint") return;
                report.PageLoad = await PageLoadScenario.RunAsync(ctx, browser);
                report.BrowserStreaming = await BrowserStreamingScenario.RunAsync(ctx, browser);
                report.TokenToPaint = await TokenToPaintScenario.RunAsync(ctx, browser);
                report.PageStop = await PageStopScenario.RunAsync(ctx, browser);
                report.LongConversation = await LongConversationScenario.RunAsync(ctx, browser);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or Microsoft.Playwright.PlaywrightException)
        {
            ctx.Progress($"browser sections not measured: {ex.Message.Split('\n')[0]}");
        }
    }
}
