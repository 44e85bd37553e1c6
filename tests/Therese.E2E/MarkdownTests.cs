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
        var table = LastContent.Locator("table");
        await Expect(table).ToHaveCountAsync(1);
        await Expect(table.Locator("th")).ToHaveTextAsync(["Poste", "Coût"]);
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(table.Locator("td")).ToHaveTextAsync(["Café", "12 €", "Salle", "80 €"]);
        await Expect(LastContent.Locator("p").Last).ToHaveTextAsync("Voilà.");
    });

    [Fact]
    public Task Html_and_javascript_links_in_an_answer_execute_nothing() => RunAsync(async () =>
    {
        // Any <img>, <script> or <iframe> that ever enters the page after load is recorded.
        await Page.AddInitScriptAsync(
            """
            window.__inserted = [];
            new MutationObserver((records) => {
              for (const r of records) for (const n of r.addedNodes) {
                if (n.nodeType !== 1) continue;
                const found = n.matches('img,script,iframe,object,embed') ? [n] : [...n.querySelectorAll('img,script,iframe,object,embed')];
                for (const el of found) window.__inserted.push(el.outerHTML);
              }
            }).observe(document, { childList: true, subtree: true });
            """);
        const string answer =
            "Une image <img src=x onerror=\"window.__pwned=1\"> dans la phrase.\n\n" +
            "<img src=x onerror=\"window.__pwned=1\">\n\n" +
            "<script>window.__pwned=1</script>\n\n" +
            "Du script <script>window.__pwned=1</script> en ligne, et un lien [clic](javascript:window.__pwned=1) pour finir.";
        await OpenAsync();
        var insertedAtLoad = await Page.EvaluateAsync<int>("() => window.__inserted.length");
        await SendAsync(Fake.Message(new { text = answer, tps = 30, ttft_ms = 50 }));

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(LastContent).ToContainTextAsync("pour finir");
        Assert.Equal(0, await LastAssistant.Locator("img, script, iframe, object, embed").CountAsync());
        Assert.Equal(0, await Page.Locator("a[href^='javascript' i]").CountAsync());

        var link = LastContent.GetByText("clic", new() { Exact = true });
        await Expect(link).ToBeVisibleAsync();
        await link.ClickAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");

        Assert.Equal("undefined", await Page.EvaluateAsync<string>("() => typeof window.__pwned"));
        var inserted = await Page.EvaluateAsync<string[]>("() => window.__inserted");
        Output.WriteLine($"elements inserted at load: {insertedAtLoad}; after: {string.Join(" ", inserted.Skip(insertedAtLoad))}");
        Assert.Empty(inserted.Skip(insertedAtLoad));
        Assert.Single(Context.Pages); // the link opened nothing either
    });
}
