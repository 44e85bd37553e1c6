using Microsoft.Playwright;
using SkiaSharp;
using Therese.E2E.Infrastructure;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>Attaching files as a person does: the paperclip and a drop, the chips, sending, a reload, and opening the file.</summary>
public sealed class AttachmentTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    [Fact]
    public Task Files_attached_by_button_and_by_drop_are_sent_shown_after_a_reload_and_open() => RunAsync(async () =>
    {
        var pdf = Pdf();
        await OpenAsync();
        Assert.Equal("Joindre des fichiers", await Page.GetByTestId("attach-button").GetAttributeAsync("aria-label"));

        // The paperclip's file picker.
        await Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = "devis.pdf", MimeType = "application/pdf", Buffer = pdf });
        // A drop onto the chat (the browser builds the DataTransfer, as a drag from the file manager would).
        await Page.EvaluateAsync(@"([base64, name]) => {
            const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], name, { type: 'image/png' }));
            const target = document.querySelector('[data-testid=chat-view]');
            target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
            target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        }", new object[] { Convert.ToBase64String(Png()), "plan.png" });

        var chips = Page.GetByTestId("pending-file");
        await Expect(chips).ToHaveCountAsync(2);
        await Expect(chips.Nth(0)).ToHaveAttributeAsync("data-state", "ready");
        await Expect(chips.Nth(1)).ToHaveAttributeAsync("data-state", "ready");
        await Expect(chips.Nth(0)).ToContainTextAsync("devis.pdf");
        await Expect(chips.Nth(0)).ToContainTextAsync("2\u00a0pages");
        await Expect(chips.Nth(1).Locator("img")).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("/api/attachments/.+/preview$"));

        await SendAsync(Fake.Message(new { text = "Le devis s’élève à 1 250 euros.", tps = 0, ttft_ms = 0 }, "Que dit ce devis ?"));
        await Expect(LastContent).ToContainTextAsync("1 250 euros");
        await Expect(chips).ToHaveCountAsync(0);
        var blocks = FakeLlm.Requests[^1].Messages[^1].Blocks;
        Assert.Equal(["document", "image", "text"], blocks.Select(b => b.Type));

        await Page.ReloadAsync();
        var files = Page.GetByTestId("message-user").GetByTestId("message-file");
        await Expect(files).ToHaveCountAsync(2);
        await Expect(files.Nth(0)).ToContainTextAsync("devis.pdf");
        await Expect(files.Nth(1)).ToContainTextAsync("plan.png");

        // A document downloads, as it was sent.
        var download = await Page.RunAndWaitForDownloadAsync(() => files.Nth(0).ClickAsync());
        Assert.Equal("devis.pdf", download.SuggestedFilename);
        Assert.Equal(pdf, await File.ReadAllBytesAsync((await download.PathAsync())!));
        // An image opens in a tab of its own, shown by the browser (in a sandbox where it may not even fetch).
        var opened = await Page.Context.RunAndWaitForPageAsync(() => files.Nth(1).ClickAsync());
        await opened.WaitForLoadStateAsync();
        Assert.Matches("/api/attachments/.+/content$", opened.Url);
        Assert.Equal(120, await opened.EvaluateAsync<int>("() => document.querySelector('img')?.naturalWidth ?? 0"));
        await opened.CloseAsync();
        await Axe.AssertNoViolationsAsync(Page, "a sent message with its files");
    });

    [Fact]
    public Task A_refused_file_says_why_on_its_chip_and_the_text_is_kept() => RunAsync(async () =>
    {
        await OpenAsync();
        await Input.FillAsync("Résume ce rapport");
        await Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = "rapport.pdf", MimeType = "application/pdf", Buffer = [(byte)'M', (byte)'Z', 0, 0, 0, 0] });
        var chip = Page.GetByTestId("pending-file");
        await Expect(chip).ToHaveAttributeAsync("data-state", "error");
        await Expect(chip.GetByTestId("file-error")).ToContainTextAsync("programme");
        await Expect(Input).ToHaveValueAsync("Résume ce rapport");
        await chip.GetByRole(AriaRole.Button, new() { Name = "Retirer rapport.pdf" }).ClickAsync();
        await Expect(chip).ToHaveCountAsync(0);
        await Expect(Page.GetByTestId("files-announcer")).ToHaveTextAsync("rapport.pdf retiré.");
    });

    private static byte[] Pdf()
    {
        using var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var n = 1; n <= 2; n++)
            builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4).AddText($"Devis page {n} : 1 250 euros", 12, new PdfPoint(40, 780), font);
        return builder.Build();
    }

    private static byte[]? _png;

    private static byte[] Png()
    {
        if (_png is not null) return _png;
        using var bitmap = new SKBitmap(120, 80);
        bitmap.Erase(SKColors.SkyBlue);
        using var image = SKImage.FromBitmap(bitmap);
        return _png = image.Encode(SKEncodedImageFormat.Png, 100).ToArray();
    }
}
