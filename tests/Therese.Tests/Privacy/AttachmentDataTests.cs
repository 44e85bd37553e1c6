using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Therese.Tests.Attachments;
using Therese.Tests.Chat;

namespace Therese.Tests.Privacy;

/// <summary>Attached files in « Mes données »: exported, imported back, and deleted with what carried them.</summary>
public sealed class AttachmentDataTests : PrivacyTest
{
    private async Task<(string Conversation, string Attachment)> AttachAsync(string marker)
    {
        var file = await Uploads.AddAsync(Http, Encoding.UTF8.GetBytes($"Compte rendu du conseil : {marker}, budget voté.\n"), "compte-rendu.txt", "text/plain");
        await using var stream = await ChatStreamReader.OpenAsync(Http, new
        {
            content = Directive.Message(new { text = "Résumé : budget voté.", tps = 0 }, "Résume ce fichier"),
            attachments = new[] { file.Id() },
        });
        await stream.ReadToEndAsync();
        return (stream.ConversationId!, file.Id());
    }

    [Fact]
    public async Task A_deleted_conversation_takes_its_attached_file_with_it_out_of_every_file_of_the_data_folder()
    {
        var marker = "Zqxjointe" + Guid.NewGuid().ToString("N")[..12];
        var (id, attachment) = await AttachAsync(marker);
        await using (var db = await Dbs.CreateDbContextAsync()) await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE)");
        Assert.NotEmpty(DataFolder.FilesHolding(Host.DataDir, marker));
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"/api/attachments/{attachment}/content")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"/api/conversations/{id}")).StatusCode);

        Assert.Empty(DataFolder.FilesHolding(Host.DataDir, marker));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/attachments/{attachment}/content")).StatusCode);
    }

    [Fact]
    public async Task Deleting_all_my_data_also_forgets_a_file_uploaded_and_never_sent()
    {
        var marker = "Zqxbrouillon" + Guid.NewGuid().ToString("N")[..12];
        var draft = await Uploads.AddAsync(Http, Encoding.UTF8.GetBytes($"Brouillon {marker}\n"), "brouillon.txt", "text/plain");
        await AttachAsync("Zqxautre" + Guid.NewGuid().ToString("N")[..8]);

        using var deleted = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/me/data") { Content = Json(new { confirm = "SUPPRIMER" }) });
        deleted.EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/attachments/{draft.Id()}")).StatusCode);
        Assert.Empty(DataFolder.FilesHolding(Host.DataDir, marker));
    }

    [Fact]
    public async Task My_data_zip_carries_the_attached_file_and_another_THERESE_gets_it_back_on_import()
    {
        var marker = "Zqxexport" + Guid.NewGuid().ToString("N")[..12];
        var (id, _) = await AttachAsync(marker);
        var markdown = await Http.GetStringAsync($"/api/conversations/{id}/export?format=md");
        Assert.Contains("Pièce jointe : compte-rendu.txt", markdown);

        var zip = await Http.GetByteArrayAsync("/api/me/export");
        using (var archive = new ZipArchive(new MemoryStream(zip)))
        {
            var entry = Assert.Single(archive.Entries, e => e.FullName.StartsWith("pieces-jointes/", StringComparison.Ordinal));
            Assert.EndsWith("/compte-rendu.txt", entry.FullName);
        }

        await using var other = await ThereseHost.StartAsync();
        using var http = other.CreateClient();
        Assert.Equal(1, (await OkJson(await ImportAsync(zip, "mes-donnees.zip", http))).GetProperty("imported").GetInt32());
        var conversation = await http.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}");
        var question = conversation.GetProperty("messages").EnumerateArray().First(m => m.GetProperty("role").GetString() == "user");
        var part = Assert.Single(question.GetProperty("parts").EnumerateArray(), p => p.GetProperty("type").GetString() == "attachment");
        Assert.Equal("compte-rendu.txt", part.GetProperty("name").GetString());
        var content = await http.GetStringAsync($"/api/attachments/{part.GetProperty("id").GetString()}/content");
        Assert.Contains(marker, content);
    }
}
