using System.Text.Json;
using Microsoft.Playwright;

namespace Therese.E2E.Infrastructure;

/// <summary>
/// axe-core (the npm dev dependency of web/) run in the page: WCAG 2.2 A and AA rules, and best
/// practices. Evaluated through the browser's protocol, so the page's CSP stays as it is.
/// </summary>
public static class Axe
{
    private static readonly Lazy<string> Source = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "THERESE.slnx"))) dir = dir.Parent;
        var path = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("The repository root (THERESE.slnx) was not found."),
            "web", "node_modules", "axe-core", "axe.min.js");
        return File.Exists(path) ? File.ReadAllText(path) : throw new InvalidOperationException($"axe-core is missing: run npm ci in web/ ({path})");
    });

    /// <summary>Fails with each violation (rule, impact, the first elements) when axe-core finds any.</summary>
    public static async Task AssertNoViolationsAsync(IPage page, string state)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
            await page.EvaluateAsync(Source.Value);
        var violations = await page.EvaluateAsync<JsonElement>(
            """
            async () => {
              const result = await axe.run(document, {
                runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
                resultTypes: ['violations'],
              });
              return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`.slice(0, 300)),
              }));
            }
            """);
        if (violations.GetArrayLength() == 0) return;
        var lines = violations.EnumerateArray().Select(v =>
            $"- {v.GetProperty("id")} ({v.GetProperty("impact")}): {v.GetProperty("help")}\n    " +
            string.Join("\n    ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString())));
        throw new Xunit.Sdk.XunitException($"axe-core found {violations.GetArrayLength()} violation(s) in state « {state} »:\n{string.Join("\n", lines)}");
    }
}
