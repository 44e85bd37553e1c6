using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Attachments;

/// <summary>What an OpenAI-compatible server receives: documents as framed text, images as data URLs; and its refusals.</summary>
public sealed class OpenAiAttachmentsTests : ServerTest
{
    protected override string? Provider => "openai";

    [Fact]
    public async Task Documents_go_as_text_and_images_as_data_urls()
    {
        var pdf = await Uploads.AddAsync(Http, TestFiles.Pdf(2), "devis.pdf");
        var xlsx = await Uploads.AddAsync(Http, TestFiles.Xlsx([["Mois", "Recettes"], ["mars", 1200]]), "ventes.xlsx");
        var gif = await Uploads.AddAsync(Http, Gif(), "anim.gif");
        var jpeg = await Uploads.AddAsync(Http, TestFiles.Jpeg(2400, 1800), "photo.jpg");

        var blocks = await SendAsync("Compare.", pdf, xlsx, gif, jpeg);
        Assert.Equal(["text", "text", "image_url", "image_url", "text"], blocks.Select(b => b.Type));
        Assert.StartsWith("<document name=\"devis.pdf\" type=\"PDF\" pages=\"2\">", blocks[0].Text);
        Assert.Contains("Page 2 : Devis de la mairie", blocks[0].Text);
        Assert.StartsWith("<document name=\"ventes.xlsx\" type=\"Excel\">", blocks[1].Text);
        Assert.Contains("mars\t1200", blocks[1].Text);
        // Ollama decodes no GIF: it goes as PNG. Photos are resized to 1,568 px at most.
        Assert.Equal(("data_url", "image/png"), (blocks[2].Source, blocks[2].MediaType));
        Assert.Equal(("data_url", "image/jpeg"), (blocks[3].Source, blocks[3].MediaType));
        Assert.Equal((1568, 1176), TestFiles.SizeOf(blocks[3].Data!));
        Assert.Equal("Compare.", blocks[4].Text!.Split('\n')[0]);
    }

    [Fact]
    public async Task A_scanned_pdf_is_announced_to_the_person_and_to_the_model()
    {
        var scanned = await Uploads.AddAsync(Http, TestFiles.ScannedPdf(), "scan.pdf");
        Assert.Equal("Ce PDF ne contient pas de texte lisible (document scanné ?)", scanned.GetProperty("warning").GetString());
        var blocks = await SendAsync("Que dit ce courrier ?", scanned);
        Assert.Contains("«\u00a0scan.pdf\u00a0» est un PDF sans texte lisible", blocks[0].Text);
    }

    [Fact]
    public async Task A_model_that_reads_no_images_is_named_and_the_question_is_kept()
    {
        await using var host = await ThereseHost.StartAsync("openai", new Dictionary<string, string?> { ["Therese:Llm:Model"] = "noimage-mistral" });
        using var http = host.CreateClient();
        var png = await Uploads.AddAsync(http, TestFiles.Png(200, 100), "plan.png");
        await using var stream = await ChatStreamReader.OpenAsync(http, new { content = "Que montre ce plan ?", attachments = new[] { png.Id() } });
        var events = await stream.ReadToEndAsync();
        var error = events[^2].Json.GetProperty("error");
        Assert.Equal("images_unsupported", error.GetProperty("code").GetString());
        Assert.Contains("Ce modèle ne lit pas les images («\u00a0noimage-mistral\u00a0»)", error.GetProperty("message").GetString());

        using var client = host.CreateClient();
        var conversation = JsonDocument.Parse(await client.GetStringAsync($"/api/conversations/{stream.ConversationId}")).RootElement;
        var user = conversation.GetProperty("messages")[0];
        Assert.Equal("Que montre ce plan ?", user.GetProperty("content").GetString());
        Assert.Equal("plan.png", user.GetProperty("attachments")[0].GetProperty("name").GetString());

        // The conversation goes on: the refused image is not sent again, the model is told it is there.
        await using var next = await ChatStreamReader.OpenAsync(http, new { content = "Tant pis, parlons du budget.", conversation_id = stream.ConversationId });
        Assert.Equal("done", (await next.ReadToEndAsync())[^2].Type);
        var resent = host.Fake.Requests[^1].Messages[0].Blocks;
        Assert.DoesNotContain(resent, b => b.Type == "image_url");
        Assert.Contains(resent, b => b.Text?.Contains("ne lit pas les images", StringComparison.Ordinal) == true);
    }

    private async Task<IReadOnlyList<Therese.FakeLlm.FakeBlock>> SendAsync(string question, params JsonElement[] attachments)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new
        {
            content = Directive.Message(new { text = "Bien reçu.", tps = 0, ttft_ms = 0 }, question),
            attachments = attachments.Select(a => a.Id()).ToArray(),
        });
        var events = await stream.ReadToEndAsync();
        Assert.True(events[^2].Type == "done", events[^2].Data);
        return Host.Fake.Requests[^1].Messages[^1].Blocks;
    }

    /// <summary>A GIF (SkiaSharp encodes none), byte by byte: GIF89a, one 1×1 frame, a two-colour palette.</summary>
    private static byte[] Gif() =>
    [
        .. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 255, 255, 255, 0, 0, 0,
        0x21, 0xF9, 4, 1, 0, 0, 0, 0,
        0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3B,
    ];
}
