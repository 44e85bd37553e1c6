using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Therese.Tests.Chat;

namespace Therese.Tests.Privacy;

/// <summary>The bytes of the data folder's files, read as they are on disk.</summary>
public static class DataFolder
{
    /// <summary>Every file of the data folder that holds these bytes (the marker as written, and as the search index folds it).</summary>
    public static List<string> FilesHolding(string dataDir, string marker)
    {
        var needles = new[] { marker, marker.ToLowerInvariant() }.Select(Encoding.UTF8.GetBytes).ToList();
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }
            if (needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0)) found.Add(Path.GetFileName(file));
        }
        return found;
    }
}

/// <summary>Deletion that deletes: the rows, the search index, and the bytes in the data folder's files.</summary>
public sealed class DeletionTests : PrivacyTest
{
    private List<string> FilesHolding(string marker) => DataFolder.FilesHolding(Host.DataDir, marker);

    private async Task<string> AskAsync(string question, string answer, string? conversationId = null)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = answer, tps = 0 }, question), conversation_id = conversationId });
        await stream.ReadToEndAsync();
        return stream.ConversationId!;
    }

    [Fact]
    public async Task A_deleted_conversation_leaves_its_marker_in_no_file_of_the_data_folder()
    {
        var marker = "Zqxmarqueur" + Guid.NewGuid().ToString("N")[..12];
        var keep = await AskAsync("Une autre conversation", "Elle reste.");
        // In the title, the question, the answer, a regenerated version, and the search index.
        var id = await AskAsync($"{marker} dans la question", $"Réponse avec {marker} dedans, assez longue pour déborder d’une page : " + new string('x', 6000));
        await using (var again = await ChatStreamReader.OpenAsync(Http, new { conversation_id = id, action = "regenerate" })) await again.ReadToEndAsync();
        await AskAsync("Encore ?", $"Oui, {marker} encore.", id);
        Assert.Single((await Http.GetFromJsonAsync<JsonElement>($"/api/search?q={marker}")).GetProperty("results").EnumerateArray().Take(1));
        // The test can fail: before the deletion, the marker is in the files.
        await using (var db = await Dbs.CreateDbContextAsync()) await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE)");
        Assert.NotEmpty(FilesHolding(marker));

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"/api/conversations/{id}")).StatusCode);

        Assert.Empty(FilesHolding(marker));
        Assert.Empty((await Http.GetFromJsonAsync<JsonElement>($"/api/search?q={marker}")).GetProperty("results").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/conversations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"/api/conversations/{keep}")).StatusCode);
    }

    [Fact]
    public async Task Deleting_all_my_data_needs_the_typed_word_then_removes_every_conversation_and_the_saved_settings()
    {
        var marker = "Zqxtout" + Guid.NewGuid().ToString("N")[..12];
        await SeedAsync(title: $"Titre {marker}");
        await AskAsync($"{marker} ?", $"{marker} !");
        using (var saved = await Http.PutAsJsonAsync("/api/settings", new { system_prompt = $"Prompt {marker}" })) saved.EnsureSuccessStatusCode();

        using var refused = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/me/data") { Content = Json(new { confirm = "supprimer" }) });
        Assert.Equal("confirmation_required", await ProblemCode(refused, 400));
        Assert.Equal(2, (await Http.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items").GetArrayLength());

        using var deleted = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/me/data") { Content = Json(new { confirm = "SUPPRIMER" }) });
        Assert.Equal(2, (await OkJson(deleted)).GetProperty("conversations").GetInt32());
        Assert.Equal(0, (await Http.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items").GetArrayLength());
        Assert.NotEqual($"Prompt {marker}", (await Http.GetFromJsonAsync<JsonElement>("/api/settings")).GetProperty("system_prompt").GetString());
        Assert.Empty(FilesHolding(marker));
    }
}
