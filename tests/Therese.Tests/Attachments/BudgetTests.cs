using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Attachments;

/// <summary>Files are counted against the model's context: what does not fit is cut, and both the model and the person are told.</summary>
public sealed class BudgetTests : ServerTest
{
    // A context of 6,000 tokens: room for the answer (a quarter), the prompt, and about 12,000 characters of files.
    protected override Dictionary<string, string?> Settings => new() { ["Therese:Attachments:ContextTokens"] = "6000" };

    [Fact]
    public async Task A_document_too_long_for_the_context_is_cut_at_a_page_with_a_notice()
    {
        var pdf = await Uploads.AddAsync(Http, TestFiles.Pdf(80, linesPerPage: 6), "budget-primitif.pdf");
        // Too long even alone: the upload says so already.
        Assert.True(pdf.GetProperty("truncated").GetBoolean());
        var warning = pdf.GetProperty("warning").GetString()!;
        Assert.Matches(@"^tronqué à la page \d+$", warning);

        await using var stream = await ChatStreamReader.OpenAsync(Http, new
        {
            content = Directive.Message(new { text = "Bien reçu.", tps = 0, ttft_ms = 0 }, "Résume le budget."),
            attachments = new[] { pdf.Id() },
        });
        await stream.ReadToEndAsync();
        var document = Host.Fake.Requests[^1].Messages[^1].Blocks[0];
        Assert.Equal(("document", "text"), (document.Type, document.Source));

        var part = (await GetConversation(stream.ConversationId!)).GetProperty("messages")[0].GetProperty("parts")[0];
        var sentWarning = part.GetProperty("warning").GetString()!;
        var lastPage = int.Parse(sentWarning["tronqué à la page ".Length..]);
        Assert.InRange(lastPage, 5, 79);
        // Whole pages up to the one named, none after; and the model is told where and why.
        Assert.Contains($"sentinelle-{lastPage}", document.Text);
        Assert.DoesNotContain($"sentinelle-{lastPage + 1}", document.Text);
        Assert.Contains($"seules les pages 1 à {lastPage} sur 80 ont été transmises", document.Text);
    }

    [Fact]
    public async Task Newest_files_come_first_and_an_older_one_that_no_longer_fits_is_named_to_the_model()
    {
        var old = await Uploads.AddAsync(Http, TestFiles.Docx(string.Concat(Enumerable.Repeat("Ancien compte rendu. ", 300))), "ancien.docx");
        var conversation = await SendAsync("Lis l’ancien.", null, old);
        var recent = await Uploads.AddAsync(Http, TestFiles.Docx(string.Concat(Enumerable.Repeat("Nouveau compte rendu. ", 450))), "nouveau.docx");
        await SendAsync("Lis le nouveau.", conversation, recent);

        var request = Host.Fake.Requests[^1];
        // The new file whole; the old one (about 6,000 characters) no longer fits beside it.
        var newest = request.Messages[^1].Blocks[0];
        Assert.Equal("nouveau.docx", newest.Title);
        Assert.DoesNotContain("tronqué", newest.Text);
        var older = request.Messages[0].Blocks;
        Assert.Contains(older, b => b.Text?.Contains("«\u00a0ancien.docx\u00a0»", StringComparison.Ordinal) == true
            && (b.Text.Contains("tronqué", StringComparison.Ordinal) || b.Text.Contains("plus de place", StringComparison.Ordinal)));
    }

    private async Task<string> SendAsync(string question, string? conversation, JsonElement attachment)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new
        {
            content = Directive.Message(new { text = "Bien reçu.", tps = 0, ttft_ms = 0 }, question),
            conversation_id = conversation,
            attachments = new[] { attachment.Id() },
        });
        await stream.ReadToEndAsync();
        return stream.ConversationId!;
    }
}
