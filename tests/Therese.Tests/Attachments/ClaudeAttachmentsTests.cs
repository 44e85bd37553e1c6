using System.Text.Json;
using Therese.FakeLlm;
using Therese.Tests.Chat;

namespace Therese.Tests.Attachments;

/// <summary>What Claude receives for each kind of file, checked on the fake provider's log of the request.</summary>
public sealed class ClaudeAttachmentsTests : ServerTest
{
    [Fact]
    public async Task A_pdf_goes_as_a_document_other_documents_as_titled_text_and_images_resized()
    {
        var pdfBytes = TestFiles.Pdf(3);
        var pdf = await Uploads.AddAsync(Http, pdfBytes, "devis.pdf");
        var docx = await Uploads.AddAsync(Http, TestFiles.Docx("Article 1 : l’association « Les Amis du Lavoir » est créée."), "statuts.docx");
        var png = await Uploads.AddAsync(Http, TestFiles.Png(3000, 1500), "plan.png");
        var scanned = await Uploads.AddAsync(Http, TestFiles.ScannedPdf(), "scan.pdf");
        // Claude reads a scanned PDF itself: no warning for it.
        Assert.False(scanned.TryGetProperty("warning", out _));

        var blocks = await SendAsync("Compare ces documents.", pdf, docx, png, scanned);
        Assert.Equal(["document", "document", "image", "document", "text"], blocks.Select(b => b.Type));

        Assert.Equal(("base64", "application/pdf", "devis.pdf"), (blocks[0].Source, blocks[0].MediaType, blocks[0].Title));
        Assert.Equal(pdfBytes, blocks[0].Data);
        Assert.Equal(("text", "text/plain", "statuts.docx"), (blocks[1].Source, blocks[1].MediaType, blocks[1].Title));
        Assert.Contains("« Les Amis du Lavoir »", blocks[1].Text);
        // An opaque picture is sent as JPEG once resized (smaller than PNG for photos).
        Assert.Equal(("base64", "image/jpeg"), (blocks[2].Source, blocks[2].MediaType));
        Assert.Equal((1568, 784), TestFiles.SizeOf(blocks[2].Data!));
        Assert.Equal(("application/pdf", "scan.pdf"), (blocks[3].MediaType, blocks[3].Title));
        Assert.StartsWith("Compare ces documents.", blocks[4].Text);
    }

    [Fact]
    public async Task A_pdf_beyond_100_pages_goes_as_its_text()
    {
        var pdf = await Uploads.AddAsync(Http, TestFiles.Pdf(101), "rapport.pdf");
        var blocks = await SendAsync("Résume.", pdf);
        Assert.Equal(("document", "text", "rapport.pdf"), (blocks[0].Type, blocks[0].Source, blocks[0].Title));
        Assert.Matches(@"sentinelle-1\b", blocks[0].Text);
        Assert.Contains("sentinelle-101", blocks[0].Text);
    }

    [Fact]
    public async Task A_later_turn_still_carries_the_file()
    {
        var docx = await Uploads.AddAsync(Http, TestFiles.Docx("Le loyer de la salle des fêtes est de 450 euros."), "contrat.docx");
        await using (var first = await ChatStreamReader.OpenAsync(Http, new { content = Quick("Lis ce contrat."), attachments = new[] { docx.Id() } }))
        {
            await first.ReadToEndAsync();
            await using var second = await ChatStreamReader.OpenAsync(Http, new { content = Quick("Et le loyer ?"), conversation_id = first.ConversationId });
            await second.ReadToEndAsync();
        }
        var request = Host.Fake.Requests[^1];
        Assert.Equal(["user", "assistant", "user"], request.Messages.Select(m => m.Role));
        var earlier = request.Messages[0].Blocks;
        Assert.Equal(("document", "contrat.docx"), (earlier[0].Type, earlier[0].Title));
        Assert.Contains("450 euros", earlier[0].Text);
        Assert.Equal(["text"], request.Messages[2].Blocks.Select(b => b.Type));
    }

    /// <summary>Sends a message with these attachments (a quick scripted answer) and returns the blocks Claude got in it.</summary>
    private async Task<IReadOnlyList<FakeBlock>> SendAsync(string question, params JsonElement[] attachments)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Quick(question), attachments = attachments.Select(a => a.Id()).ToArray() });
        var events = await stream.ReadToEndAsync();
        Assert.Equal("done", events[^2].Type);
        return Host.Fake.Requests[^1].Messages[^1].Blocks;
    }

    private static string Quick(string question) => Directive.Message(new { text = "Bien reçu.", tps = 0, ttft_ms = 0 }, question);
}
