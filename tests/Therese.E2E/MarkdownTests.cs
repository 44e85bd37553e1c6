using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// Streamed Markdown renders, and model text cannot run script. The page's CSP is bypassed here on
/// purpose: it is the second line of defence, these tests check the first one (the renderer).
/// </summary>
public sealed class MarkdownTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    protected override bool BypassCsp => true;

    [Fact]
    public Task Streamed_code_block_and_table_render() => RunAsync(async () =>
    {
        const string answer =
            "Voici le script :\n\n" +
            "```python\nprint(\"Bonjour, THÉRÈSE\")\n```\n\n" +
            "Et le budget :\n\n" +
            "| Poste | Coût |\n| --- | ---: |\n| Café | 12 € |\n| Salle | 80 € |\n\n" +
            "Voilà.";
        await OpenAsync();
        await SendAsync(Fake.Message(new { text = answer, tps = 30, ttft_ms = 50 }));

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        var code = LastContent.Locator("pre code");
        await Expect(code).ToHaveCountAsync(1);
        await Expect(code).ToHaveTextAsync("print(\"Bonjour, THÉRÈSE\")");
        // Coloured: its grammar (a chunk of its own, fetched on first use) arrived and highlighted the block.
        await Expect(code.Locator(".hljs-string")).ToHaveTextAsync("\"Bonjour, THÉRÈSE\"");
        await Expect(code.Locator(".hljs-built_in")).ToHaveTextAsync("print");
        var table = LastContent.Locator("table");
        await Expect(table).ToHaveCountAsync(1);
        await Expect(table.Locator("th")).ToHaveTextAsync(["Poste", "Coût"]);
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(table.Locator("td")).ToHaveTextAsync(["Café", "12 €", "Salle", "80 €"]);
        await Expect(LastContent.Locator("p").Last).ToHaveTextAsync("Voilà.");
    });

    /// <summary>
    /// Model text that tries to run script: each vector would set <c>window.__xss</c> to its number (or open a
    /// dialog) if it ever ran, while it streams, once rendered, or when its link is clicked.
    /// </summary>
    private static readonly string[] XssVectors =
    [
        "<script>window.__xss=1</script>",
        "<img src=x onerror=\"window.__xss=2\">",
        "<svg onload=\"window.__xss=3\"><circle r=\"5\"/></svg>",
        "<svg><script>window.__xss=4</script></svg>",
        "<iframe src=\"javascript:window.__xss=5\"></iframe>",
        "<a href=\"javascript:window.__xss=6\">lien HTML</a>",
        "<details open ontoggle=\"window.__xss=7\"><summary>détails</summary></details>",
        "<input autofocus onfocus=\"window.__xss=8\">",
        "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__xss=9\">",
        "[lien javascript](javascript:window.__xss=10)",
        "[lien en casse mêlée](JaVaScRiPt:window.__xss=11)",
        "[lien avec tabulation](java&#9;script:window.__xss=12)",
        "[lien en entité](&#106;avascript:window.__xss=13)",
        "[lien data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTQ8L3NjcmlwdD4=)",
        "![image javascript](javascript:window.__xss=15)",
        "![image data](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9IndpbmRvdy5fX3hzcz0xNiIvPg==)",
        "[référence piégée][piège]\n\n[piège]: javascript:window.__xss=17",
        "<javascript:window.__xss=18>",
        "&lt;script&gt;window.__xss=19&lt;/script&gt;",
        "&#60;img src=x onerror=window.__xss=20&#62;",
        "<object data=\"data:text/html,<script>window.__xss=21</script>\"></object>",
        "[alerte](data:text/html,<script>alert(22)</script>)",
    ];

    [Fact]
    public Task Twenty_xss_vectors_streamed_in_an_answer_run_nothing_and_leave_only_safe_links() => RunAsync(async () =>
    {
        // Any element that could run script, ever inserted after load, is recorded; so is any dialog.
        await Page.AddInitScriptAsync(
            """
            window.__inserted = [];
            const risky = 'img,script,iframe,object,embed,svg,math,input,details,style,form,base,link,meta';
            new MutationObserver((records) => {
              for (const r of records) for (const n of r.addedNodes) {
                if (n.nodeType !== 1) continue;
                const found = n.matches(risky) ? [n] : [...n.querySelectorAll(risky)];
                for (const el of found) window.__inserted.push((el.parentNode === document.head ? 'head:' : '') + el.outerHTML.slice(0, 200));
              }
            }).observe(document, { childList: true, subtree: true });
            """);
        var dialogs = new List<string>();
        Page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        Assert.True(XssVectors.Length >= 20);
        var answer = "Voici des exemples :\n\n" + string.Join("\n\n", XssVectors) + "\n\nFin des exemples.";

        await OpenAsync();
        var insertedAtLoad = await Page.EvaluateAsync<int>("() => window.__inserted.length");
        await SendAsync(Fake.Message(new { text = answer, tps = 300, ttft_ms = 50 }));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(LastContent).ToContainTextAsync("Fin des exemples.");

        // Entities that decode to markup are shown as text: data, not code.
        await Expect(LastContent).ToContainTextAsync("<script>window.__xss=19</script>");
        await Expect(LastContent).ToContainTextAsync("<img src=x onerror=window.__xss=20>");

        // Every link left in the conversation is a web, mail or relative one.
        var hrefs = await Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('[data-testid=message-list] a[href], [data-testid=message-assistant] a[href]')].map(a => a.getAttribute('href'))");
        foreach (var href in hrefs)
        {
            var scheme = System.Text.RegularExpressions.Regex.Match(href, "^\\s*([a-zA-Z][a-zA-Z0-9+.-]*):");
            Assert.True(!scheme.Success || scheme.Groups[1].Value.ToLowerInvariant() is "http" or "https" or "mailto", $"unsafe link left: {href}");
        }

        // Clicking what was meant as a link runs nothing either.
        foreach (var label in new[] { "lien HTML", "lien javascript", "lien en casse mêlée", "lien avec tabulation", "lien en entité", "lien data", "référence piégée", "alerte" })
        {
            var target = LastContent.GetByText(label, new() { Exact = true });
            if (await target.CountAsync() > 0) await target.First.ClickAsync();
        }
        foreach (var popup in Context.Pages.Where(p => p != Page).ToList()) await popup.CloseAsync();
        await Page.WaitForTimeoutAsync(200);

        Assert.Equal("undefined", await Page.EvaluateAsync<string>("() => typeof window.__xss"));
        Assert.Empty(dialogs);
        var inserted = await Page.EvaluateAsync<string[]>("() => window.__inserted");
        Output.WriteLine($"elements inserted at load: {insertedAtLoad}; links in the answer: {string.Join(" ", hrefs)}");
        // The page's own icons (aria-hidden SVG, no handler, no script) and its own code split into parts (Vite's module
        // preloads of /assets/*.js in <head>, when the Markdown pipeline arrives) are the only risky-looking elements allowed.
        static bool OwnIcon(string html) => html.StartsWith("<svg aria-hidden=\"true\"", StringComparison.Ordinal)
            && !System.Text.RegularExpressions.Regex.IsMatch(html, @"\son[a-z]+\s*=|<script|href", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        static bool OwnModulePreload(string html) => System.Text.RegularExpressions.Regex.IsMatch(html,
            "^head:<link rel=\"modulepreload\" as=\"script\" crossorigin(=\"\")? href=\"(http://127\\.0\\.0\\.1:[0-9]+)?/assets/[A-Za-z0-9_.-]+\\.js\">$");
        var unexpected = inserted.Skip(insertedAtLoad).Where(html => !OwnIcon(html) && !OwnModulePreload(html)).ToList();
        Assert.True(unexpected.Count == 0, "inserted: " + string.Join("\n", unexpected));
        Assert.Equal(0, await LastAssistant.Locator("img, script, iframe, object, embed, input, details, math, style").CountAsync());
    });
}
