using System.Net;
using System.Text;
using Therese.Tests.Attachments;
using Therese.TinyGguf;

namespace Therese.Tests.Local;

/// <summary>The model inside THÉRÈSE reads text only: documents go in its prompt, an image is refused before anything is sent.</summary>
[Collection(LocalModelCollection.Name)]
public sealed class LocalAttachmentsTests : ServerTest
{
    protected override string? Provider => null;

    protected override Dictionary<string, string?> Settings => new() { ["Therese:Local:Threads"] = "1" };

    [Fact]
    public async Task An_image_is_refused_in_french_before_sending_and_a_document_is_read()
    {
        var models = Path.Combine(Host.DataDir, "models");
        Directory.CreateDirectory(models);
        TinyModel.Write(Path.Combine(models, "tiny.gguf"), new TinyModelOptions { Seed = 9 });
        using (var settings = await Http.PutAsync("/api/settings", Json(new { provider = "local", model = "tiny.gguf", max_tokens = 5 })))
            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);

        var png = await Uploads.AddAsync(Http, TestFiles.Png(64, 64), "photo.png");
        using (var refused = await Http.PostAsync("/api/chat/stream", Json(new { content = "Que vois-tu ?", attachments = new[] { png.Id() } })))
            await AttachmentsApiTests.AssertProblem(refused, HttpStatusCode.UnprocessableEntity, "images_unsupported", "ne lit pas les images");
        var list = await Http.GetStringAsync("/api/conversations");
        Assert.Contains("\"items\":[]", list);

        // A document is part of the prompt: the model reads more tokens with it than without it.
        var text = "Compte rendu : la fête du village aura lieu le 14 juillet sur la place de la mairie.";
        var note = await Uploads.AddAsync(Http, Encoding.UTF8.GetBytes(text), "note.txt");
        var without = await InputTokens(new { content = "Résume." });
        var with = await InputTokens(new { content = "Résume.", attachments = new[] { note.Id() } });
        Assert.True(with - without >= text.Length / 2, $"{with} tokens with the note against {without} without");
    }

    private async Task<int> InputTokens(object body)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, body);
        var events = await stream.ReadToEndAsync();
        Assert.True(events[^2].Type == "done", events[^2].Data);
        return events[^2].Json.GetProperty("usage").GetProperty("input_tokens").GetInt32();
    }
}
