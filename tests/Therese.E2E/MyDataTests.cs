using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DocumentFormat.OpenXml.Packaging;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// Issue 23, your data: exporting a conversation from its menu (Word, Markdown, and print), and « Mes données »
/// (the whole zip, an import from ChatGPT, and deleting everything after typing SUPPRIMER).
/// </summary>
public sealed partial class MyDataTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    private ILocator Items => Page.GetByTestId("conversation-item");

    private async Task DeleteEverythingAsync()
    {
        using var http = Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/me/data") { Content = new StringContent("""{"confirm":"SUPPRIMER"}""", Encoding.UTF8, "application/json") };
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
    }

    private async Task AskAsync(string question, string answer)
    {
        await SendAsync(Fake.Message(new { text = answer, tps = 0, ttft_ms = 0 }, question));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Page).ToHaveURLAsync(new Regex("/c/"));
    }

    [Fact]
    public Task A_conversation_exports_from_its_menu_as_Word_and_Markdown_named_after_its_title_and_prints_without_the_page_around_it() => RunAsync(async () =>
    {
        await DeleteEverythingAsync();
        await OpenAsync();
        const string answer = "| Poste | Montant |\n| --- | --- |\n| Salle | 1 200 € |\n\n```\ntotal = 1500\n```";
        await AskAsync("Budget de la fête", answer);
        // A title of its own (the first message carries the fake provider's script).
        var id = new Regex("/c/([^/]+)$").Match(Page.Url).Groups[1].Value;
        using (var http = Host.CreateClient())
            (await http.PatchAsync($"/api/conversations/{id}", new StringContent("""{"title":"Budget de la fête"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        await Page.GetByTestId("conversation-menu").ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Menu)).ToBeVisibleAsync();
        var word = await Page.RunAndWaitForDownloadAsync(() => Page.GetByTestId("export-docx").ClickAsync());
        Assert.Equal("Budget de la fête.docx", word.SuggestedFilename);
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".docx");
        await word.SaveAsAsync(path);
        try
        {
            using var document = WordprocessingDocument.Open(path, false);
            var body = document.MainDocumentPart!.Document.Body!;
            Assert.Contains("Salle", body.Descendants<DocumentFormat.OpenXml.Wordprocessing.Table>().Single().InnerText);
            Assert.Contains(body.Descendants<DocumentFormat.OpenXml.Wordprocessing.Paragraph>(), p => p.InnerText == "total = 1500");
        }
        finally
        {
            File.Delete(path);
        }
        // The menu closed on the choice.
        await Expect(Page.GetByRole(AriaRole.Menu)).ToHaveCountAsync(0);

        await Page.GetByTestId("conversation-menu").ClickAsync();
        var markdown = await Page.RunAndWaitForDownloadAsync(() => Page.GetByTestId("export-md").ClickAsync());
        Assert.Equal("Budget de la fête.md", markdown.SuggestedFilename);
        var text = await File.ReadAllTextAsync((await markdown.PathAsync())!);
        Assert.StartsWith("# Budget de la fête", text);
        Assert.Contains("| Salle | 1 200 € |", text);
        await Page.Keyboard.PressAsync("Escape");

        // Printed: the conversation alone, its code kept whole.
        await Page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(Page.Locator("#conversation-sidebar")).ToBeHiddenAsync();
        await Expect(Input).ToBeHiddenAsync();
        await Expect(Page.GetByTestId("conversation-menu")).ToBeHiddenAsync();
        await Expect(LastContent).ToBeVisibleAsync();
        Assert.Equal("avoid", await Page.Locator("pre").First.EvaluateAsync<string>("e => getComputedStyle(e).breakInside"));
        await Page.EmulateMediaAsync(new() { Media = Media.Screen });
        await Expect(Input).ToBeVisibleAsync();
    });

    [Fact]
    public Task My_data_downloads_everything_imports_a_ChatGPT_export_and_deletes_everything_once_the_word_is_typed() => RunAsync(async () =>
    {
        await DeleteEverythingAsync();
        await OpenAsync();
        await AskAsync("Compte rendu du conseil", "Voici le compte rendu.");
        await Page.GetByTestId("open-my-data").ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/data$"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Mes données" })).ToBeVisibleAsync();

        var zip = await Page.RunAndWaitForDownloadAsync(() => Page.GetByTestId("export-my-data").ClickAsync());
        Assert.Matches(@"^therese-mes-donnees-\d{4}-\d{2}-\d{2}\.zip$", zip.SuggestedFilename);
        using (var archive = ZipFile.OpenRead((await zip.PathAsync())!))
        {
            Assert.Contains(archive.Entries, e => e.FullName.StartsWith("conversations/") && e.FullName.EndsWith(".md"));
            Assert.NotNull(archive.GetEntry("LISEZMOI.txt"));
        }

        // ChatGPT's conversations.json: the conversation appears in the list, with its title.
        var chatGpt = JsonSerializer.Serialize(new[]
        {
            new
            {
                title = "Subventions 2024", create_time = 1717236000, update_time = 1717236100, conversation_id = "cg-1", current_node = "b",
                mapping = new Dictionary<string, object>
                {
                    ["a"] = new { id = "a", parent = (string?)null, children = new[] { "b" }, message = new { author = new { role = "user" }, create_time = 1717236000, content = new { content_type = "text", parts = new[] { "Quelles subventions ?" } } } },
                    ["b"] = new { id = "b", parent = "a", children = Array.Empty<string>(), message = new { author = new { role = "assistant" }, create_time = 1717236100, content = new { content_type = "text", parts = new[] { "Celles de la région." } } } },
                },
            },
        });
        await Page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = "conversations.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(chatGpt) });
        await Page.GetByTestId("import-submit").ClickAsync();
        await Expect(Page.GetByTestId("import-result")).ToHaveTextAsync("1 conversation importée.");
        await Expect(Items).ToHaveCountAsync(2);
        await Expect(Items.Filter(new() { HasText = "Subventions 2024" })).ToHaveCountAsync(1);

        // A broken file: a French sentence, nothing added.
        await Page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = "casse.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes("{\"mapping\":") });
        await Page.GetByTestId("import-submit").ClickAsync();
        await Expect(Page.GetByTestId("import-error")).ToContainTextAsync("JSON");
        await Expect(Items).ToHaveCountAsync(2);

        // Deleting everything waits for the word, typed exactly.
        var remove = Page.GetByTestId("delete-my-data");
        await Expect(remove).ToBeDisabledAsync();
        await Page.GetByTestId("delete-confirm-input").FillAsync("supprimer");
        await Expect(remove).ToBeDisabledAsync();
        await Page.GetByTestId("delete-confirm-input").FillAsync("SUPPRIMER");
        await remove.ClickAsync();
        await Expect(Page.GetByTestId("delete-result")).ToContainTextAsync("2 conversations supprimées, définitivement.");
        await Expect(Items).ToHaveCountAsync(0);
        using var http = Host.CreateClient();
        Assert.Equal(0, JsonDocument.Parse(await http.GetStringAsync("/api/conversations")).RootElement.GetProperty("items").GetArrayLength());
    });
}
