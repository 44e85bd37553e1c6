using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Therese.Tests.Privacy;

/// <summary>A conversation as Markdown, Word and JSON; « Mes données » as one zip.</summary>
public sealed class ExportTests : PrivacyTest
{
    [Fact]
    public async Task Markdown_export_shows_the_conversation_as_it_was_on_screen_with_a_safe_file_name()
    {
        var id = await SeedAsync(title: "Budget 2026 : fêtes/écoles <\"final\">\u0007");
        using var response = await Http.GetAsync($"/api/conversations/{id}/export?format=md");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/markdown", response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("Budget 2026 fêtes écoles final.md", disposition.FileNameStar);
        Assert.DoesNotContain('/', disposition.FileName!);

        var md = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("# Budget 2026 : fêtes/écoles \\<\"final\"\\>", md);
        Assert.Contains("## Vous — 14 mars 2025 à 09:30", md);
        Assert.Contains("| Salle | 1 200 € |", md);
        Assert.Contains("*Réponse arrêtée avant la fin.*", md);
        // What was shown: not the replaced version, not the reasoning.
        Assert.DoesNotContain("Première version", md);
        Assert.DoesNotContain("Je compte les postes", md);
    }

    [Fact]
    public async Task Word_export_opens_with_Open_XML_and_holds_a_real_table_and_a_code_block_in_a_monospace_font()
    {
        var id = await SeedAsync();
        using var response = await Http.GetAsync($"/api/conversations/{id}/export?format=docx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Budget 2026 fêtes écoles.docx", response.Content.Headers.ContentDisposition!.FileNameStar);

        using var file = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        using var word = WordprocessingDocument.Open(file, false);
        Assert.Empty(new OpenXmlValidator().Validate(word).Select(e => $"{e.Path?.XPath}: {e.Description}"));
        var body = word.MainDocumentPart!.Document.Body!;

        var table = Assert.Single(body.Elements<Table>());
        var rows = table.Elements<TableRow>().Select(r => r.Elements<TableCell>().Select(c => c.InnerText).ToList()).ToList();
        Assert.Equal([["Poste", "Montant"], ["Salle", "1 200 €"], ["Musique", "300 €"]], rows);
        Assert.NotNull(table.Elements<TableRow>().First().TableRowProperties?.GetFirstChild<TableHeader>());

        var code = body.Elements<Paragraph>().Where(p => p.ParagraphProperties?.ParagraphStyleId?.Val == "Code").ToList();
        Assert.Equal(["var total = 1200 + 300;", "Console.WriteLine(total);", "total = 1200 + 300"], code.Select(p => p.InnerText));
        Assert.All(code.Take(1), p => Assert.NotNull(p.ParagraphProperties!.KeepNext));
        var mono = word.MainDocumentPart.StyleDefinitionsPart!.Styles!.Elements<Style>().Single(s => s.StyleId == "Code").StyleRunProperties!.RunFonts!.Ascii!.Value;
        Assert.Equal("Consolas", mono);

        // Headings, emphasis, lists (nested, numbered), a link that is a link and one that is not, HTML as text.
        Assert.Contains(body.Elements<Paragraph>(), p => p.ParagraphProperties?.ParagraphStyleId?.Val == "Heading3" && p.InnerText == "Budget prévisionnel");
        Assert.Contains(body.Descendants<Run>(), r => r.InnerText == "le budget" && r.RunProperties?.Bold is not null);
        Assert.Contains(body.Descendants<Run>(), r => r.InnerText == "fête" && r.RunProperties?.Italic is not null);
        var listed = body.Elements<Paragraph>().Where(p => p.ParagraphProperties?.NumberingProperties is not null).ToList();
        Assert.Equal(["location de la salle", "buvette", "boissons", "gâteaux"], listed.Select(p => p.InnerText));
        Assert.Equal([0, 0, 1, 1], listed.Select(p => p.ParagraphProperties!.NumberingProperties!.NumberingLevelReference!.Val!.Value));
        var link = Assert.Single(body.Descendants<Hyperlink>());
        Assert.Equal("mairie", link.InnerText);
        Assert.Equal("https://mairie.example.fr/", word.MainDocumentPart.HyperlinkRelationships.Single(r => r.Id == link.Id).Uri.ToString());
        Assert.Contains(body.Elements<Paragraph>(), p => p.InnerText == "<script>alert(\"x\")</script>");
        Assert.DoesNotContain("Première version", body.InnerText);
    }

    [Fact]
    public async Task Json_export_has_every_part_and_version_but_never_a_provider_signature()
    {
        var id = await SeedAsync();
        using var response = await Http.GetAsync($"/api/conversations/{id}/export?format=json");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("signature-secrete", text);
        var export = JsonDocument.Parse(text).RootElement;
        Assert.Equal(("therese.conversation", 1), (export.GetProperty("format").GetString(), export.GetProperty("version").GetInt32()));
        var messages = export.GetProperty("conversation").GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(5, messages.Count);
        Assert.True(messages[1].GetProperty("hidden").GetBoolean());
        Assert.Equal(["reasoning", "text"], messages[2].GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("type").GetString()));
        Assert.Equal(2300, messages[2].GetProperty("parts")[0].GetProperty("duration_ms").GetInt64());

        using var unknown = await Http.GetAsync($"/api/conversations/{id}/export?format=pdf");
        Assert.Equal("invalid_request", await ProblemCode(unknown, 400));
        using var missing = await Http.GetAsync("/api/conversations/inconnue/export?format=md");
        Assert.Equal("not_found", await ProblemCode(missing, 404));
    }

    [Fact]
    public async Task My_data_is_one_zip_with_each_conversation_in_JSON_and_Markdown_and_the_settings_without_the_key()
    {
        using (var saved = await Http.PutAsJsonAsync("/api/settings", new { system_prompt = "Réponds en vers." })) saved.EnsureSuccessStatusCode();
        var first = await SeedAsync(title: "Première");
        var second = await SeedAsync(title: "Seconde", at: Day.AddDays(3));

        using var response = await Http.GetAsync("/api/me/export", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentLength); // streamed as it is written
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("LISEZMOI.txt", names);
        Assert.Equal(4, names.Count(n => n.StartsWith("conversations/")));
        Assert.Contains(names, n => n == $"conversations/2025-03-14-premiere-{first}.json");
        Assert.Contains(names, n => n == $"conversations/2025-03-17-seconde-{second}.md");

        var settings = JsonDocument.Parse(zip.GetEntry("reglages.json")!.Open()).RootElement;
        Assert.Equal("Réponds en vers.", settings.GetProperty("system_prompt").GetString());
        // The key comes from the configuration here, and none is saved: none is exported either way.
        Assert.False(settings.GetProperty("api_key_saved").GetBoolean());
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            var content = await reader.ReadToEndAsync();
            Assert.DoesNotContain("test-key", content);
            Assert.DoesNotContain("signature-secrete", content);
        }
    }
}
