using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Therese.Server.Storage;

namespace Therese.Tests.Attachments;

/// <summary>POST /api/attachments and its reads: the type from the bytes, what was read, downloads served safely.</summary>
public sealed class AttachmentsApiTests : ServerTest
{
    [Fact]
    public async Task Each_kind_is_recognised_from_its_bytes_whatever_its_name_and_claimed_type()
    {
        var cases = new (byte[] Bytes, string Name, string MediaType, string Kind, string Text)[]
        {
            (TestFiles.Pdf(3), "devis.txt", "application/pdf", "document", "Page 2 : Devis de la mairie"),
            (TestFiles.Docx("Statuts de l’association « Les Amis du Lavoir »", "Article 2 : objet"), "statuts.pdf",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document", "Les Amis du Lavoir"),
            (TestFiles.Xlsx([["Mois", "Recettes"], ["janvier", 1250.5], ["février", 980]]), "ventes.csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document", "février\t980"),
            (TestFiles.Odt("Délibération du conseil municipal", "Vote : unanimité"), "deliberation.docx",
                "application/vnd.oasis.opendocument.text", "document", "Vote : unanimité"),
            (TestFiles.Ods("Budget", ["Poste", "Montant"], ["Fêtes", "3 000"]), "budget.xlsx",
                "application/vnd.oasis.opendocument.spreadsheet", "document", "Fêtes\t3 000"),
            (Encoding.UTF8.GetBytes("nom;prix\ncafé;2\nthé;3\n"), "prix.txt", "text/csv", "document", "café;2"),
            (Encoding.GetEncoding("ISO-8859-1").GetBytes("Compte rendu de la réunion du 3 mars.\nPrésents : 12."), "cr", "text/plain", "document", "réunion"),
            (Encoding.UTF8.GetBytes("# Ordre du jour\n\n- budget\n- fête de l’été\n"), "odj.txt", "text/markdown", "document", "fête de l’été"),
            (TestFiles.Png(300, 200), "photo.jpg", "image/png", "image", ""),
            (TestFiles.Jpeg(300, 200), "scan.png", "image/jpeg", "image", ""),
        };
        foreach (var (bytes, name, mediaType, kind, text) in cases)
        {
            var view = await Uploads.AddAsync(Http, bytes, name, claimedType: "text/html");
            Assert.Equal(mediaType, view.GetProperty("media_type").GetString());
            Assert.Equal(kind, view.GetProperty("kind").GetString());
            Assert.Equal(name, view.GetProperty("name").GetString());
            Assert.Equal(bytes.Length, view.GetProperty("size").GetInt64());
            Assert.False(view.GetProperty("truncated").GetBoolean());
            if (text.Length > 0)
            {
                // What was read is what the model gets: the text is in the database, found by the attachment's hash.
                var stored = await StoredText(view.Id());
                Assert.Contains(text, stored);
                Assert.Equal(stored.Length, view.GetProperty("chars").GetInt32());
            }
        }
        var pdf = await Uploads.AddAsync(Http, TestFiles.Pdf(3), "devis.pdf");
        Assert.Equal(3, pdf.GetProperty("pages").GetInt32());
    }

    [Fact]
    public async Task A_file_is_stored_once_however_many_times_it_is_attached()
    {
        var bytes = TestFiles.Pdf(2);
        var first = await Uploads.AddAsync(Http, bytes, "a.pdf");
        var second = await Uploads.AddAsync(Http, bytes, "b.pdf");
        Assert.NotEqual(first.Id(), second.Id());
        Assert.Equal("b.pdf", second.GetProperty("name").GetString());
        await using var db = await Db();
        Assert.Equal(1, await db.AttachmentFiles.CountAsync());
        Assert.Equal(2, await db.Attachments.CountAsync());
    }

    [Fact]
    public async Task Downloads_are_attachments_in_a_sandbox_and_only_the_four_image_types_show_inline()
    {
        var pdfBytes = TestFiles.Pdf(1);
        var pdf = await Uploads.AddAsync(Http, pdfBytes, "../../etc/Devis «été».pdf");
        Assert.Equal("Devis «été».pdf", pdf.GetProperty("name").GetString());
        using var download = await Http.GetAsync($"/api/attachments/{pdf.Id()}/content");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(pdfBytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("Devis «été».pdf", download.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", download.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("default-src 'none'", download.Headers.GetValues("Content-Security-Policy").Single());

        var png = await Uploads.AddAsync(Http, TestFiles.Png(2000, 1000), "plan.png");
        using var image = await Http.GetAsync($"/api/attachments/{png.Id()}/content");
        Assert.Equal("inline", image.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        using var preview = await Http.GetAsync($"/api/attachments/{png.Id()}/preview");
        Assert.Equal((1568, 784), TestFiles.SizeOf(await preview.Content.ReadAsByteArrayAsync()));

        using var noPreview = await Http.GetAsync($"/api/attachments/{pdf.Id()}/preview");
        Assert.Equal(HttpStatusCode.NotFound, noPreview.StatusCode);
    }

    [Fact]
    public async Task Too_large_unknown_and_malformed_uploads_are_refused_in_french()
    {
        await using var small = await ThereseHost.StartAsync(settings: new Dictionary<string, string?> { ["Therese:Attachments:MaxBytes"] = "100000" });
        using var http = small.CreateClient();
        using var large = await Uploads.PostAsync(http, new byte[100_001], "gros.txt");
        await AssertProblem(large, HttpStatusCode.RequestEntityTooLarge, "file_too_large", "100");

        using var json = await http.PostAsync("/api/attachments", new StringContent("{}", Encoding.UTF8, "application/json"));
        await AssertProblem(json, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "multipart");

        using var noFile = new MultipartFormDataContent { { new StringContent("x"), "other" } };
        using var missing = await http.PostAsync("/api/attachments", noFile);
        await AssertProblem(missing, HttpStatusCode.BadRequest, "invalid_request", "file");

        using var unknown = await http.GetAsync("/api/attachments/nope");
        await AssertProblem(unknown, HttpStatusCode.NotFound, "not_found", "pièce jointe");
    }

    [Fact]
    public async Task An_unsent_attachment_can_be_deleted_and_a_sent_one_stays_with_its_message()
    {
        var draft = await Uploads.AddAsync(Http, TestFiles.Pdf(1), "brouillon.pdf");
        using (var deleted = await Http.DeleteAsync($"/api/attachments/{draft.Id()}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var gone = await Http.GetAsync($"/api/attachments/{draft.Id()}")) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        var sent = await Uploads.AddAsync(Http, TestFiles.Pdf(1), "envoyé.pdf");
        await Send("Résume", [sent.Id()]);
        using var refused = await Http.DeleteAsync($"/api/attachments/{sent.Id()}");
        await AssertProblem(refused, HttpStatusCode.Conflict, "attachment_in_use", "message");
    }

    [Fact]
    public async Task Deleting_a_conversation_deletes_the_files_only_it_uses()
    {
        var shared = await Uploads.AddAsync(Http, TestFiles.Pdf(2, "commun"), "commun.pdf");
        var own = await Uploads.AddAsync(Http, TestFiles.Docx("propre à la première"), "propre.docx");
        var first = await Send("Lis", [shared.Id(), own.Id()]);
        // The same attachment sent again in another conversation.
        var second = await Send("Relis", [shared.Id()]);

        using (var deleted = await Http.DeleteAsync($"/api/conversations/{first}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var gone = await Http.GetAsync($"/api/attachments/{own.Id()}/content")) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var kept = await Http.GetAsync($"/api/attachments/{shared.Id()}/content")) Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        await using (var db = await Db())
        {
            Assert.Equal(1, await db.AttachmentFiles.CountAsync());
            Assert.Equal(1, await db.MessageAttachments.CountAsync());
        }

        using (var deleted = await Http.DeleteAsync($"/api/conversations/{second}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await using (var db = await Db())
        {
            Assert.Equal(0, await db.AttachmentFiles.CountAsync());
            Assert.Equal(0, await db.Attachments.CountAsync());
        }
    }

    [Fact]
    public async Task A_conversation_shows_its_files_when_reopened_and_the_stream_refuses_unknown_ones()
    {
        var pdf = await Uploads.AddAsync(Http, TestFiles.Pdf(2), "devis.pdf");
        var png = await Uploads.AddAsync(Http, TestFiles.Png(100, 80), "plan.png");
        var id = await Send("Compare", [pdf.Id(), png.Id()]);
        var user = (await GetConversation(id)).GetProperty("messages")[0];
        Assert.StartsWith("Compare\n::fake", user.GetProperty("content").GetString());
        var attachments = user.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(["devis.pdf", "plan.png"], attachments.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(["document", "image"], attachments.Select(a => a.GetProperty("kind").GetString()));
        Assert.Equal(pdf.Id(), attachments[0].GetProperty("id").GetString());
        Assert.Equal("application/pdf", attachments[0].GetProperty("media_type").GetString());
        var parts = user.GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal(["attachment", "attachment", "text"], parts.Select(p => p.GetProperty("type").GetString()));
        Assert.Equal(2, parts[0].GetProperty("pages").GetInt32());

        // A file alone is a message too; its conversation is titled after it.
        await using (var quiet = await ChatStreamReader.OpenAsync(Http, new { content = "", attachments = new[] { pdf.Id() } })) await quiet.ReadToEndAsync();
        var alone = (await Http.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items")[0].GetProperty("id").GetString()!;
        Assert.Equal("devis.pdf", (await GetConversation(alone)).GetProperty("title").GetString());

        using var unknown = await Http.PostAsync("/api/chat/stream", Json(new { content = "x", attachments = new[] { "inconnu" } }));
        await AssertProblem(unknown, HttpStatusCode.NotFound, "not_found", "pièce jointe");
        using var eleven = await Http.PostAsync("/api/chat/stream", Json(new { content = "x", attachments = Enumerable.Range(0, 11).Select(i => $"a{i}").ToArray() }));
        await AssertProblem(eleven, HttpStatusCode.BadRequest, "invalid_request", "10");
    }

    /// <summary>Sends a message (a quick scripted answer) and waits for the answer's end: the conversation's id.</summary>
    private async Task<string> Send(string? content, string[] attachments)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Chat.Directive.Message(new { text = "Bien reçu.", tps = 0, ttft_ms = 0 }, content ?? ""), attachments });
        await stream.ReadToEndAsync();
        return stream.ConversationId!;
    }

    private async Task<ThereseDb> Db() => await Host.Services.GetRequiredService<IDbContextFactory<ThereseDb>>().CreateDbContextAsync();

    private async Task<string> StoredText(string attachmentId)
    {
        await using var db = await Db();
        var sha = await db.Attachments.Where(a => a.Id == attachmentId).Select(a => a.Sha256).SingleAsync();
        return await db.AttachmentFiles.Where(f => f.Sha256 == sha).Select(f => f.Text).SingleAsync();
    }

    internal static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string code, string inDetail)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        AssertFrench(detail);
        Assert.Contains(inDetail, detail, StringComparison.OrdinalIgnoreCase);
    }
}
