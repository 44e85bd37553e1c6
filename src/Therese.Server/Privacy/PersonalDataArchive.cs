using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Conversations;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <summary>
/// « Mes données »: one zip with everything that belongs to a person, written straight to the response as it is
/// made. Conversations are read a batch at a time, so memory stays flat whatever their number.
/// </summary>
/// <remarks>
/// Layout: <c>LISEZMOI.txt</c>; <c>compte.json</c> (team mode) or <c>reglages.json</c> (personal mode, without the
/// API key); for each conversation <c>conversations/{date}-{title}-{id}.json</c> (the THÉRÈSE JSON export, which
/// <c>POST /api/import</c> takes back) and the same name in <c>.md</c>; then what each <see cref="IConversationData"/>
/// adds (attachments/…).
/// </remarks>
public sealed class PersonalDataArchive(IDbContextFactory<ThereseDb> dbs, IEnumerable<IConversationData> extensions, TimeProvider clock)
{
    public const string ConversationsFolder = "conversations/";
    private const int Batch = 200;

    /// <param name="profile">What the archive says about the person (account or settings), as a JSON-serialisable object.</param>
    public async Task<int> WriteAsync(Stream response, string? ownerId, (string Name, object Value) profile, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var output = new EntryBuffer(response);
        var count = await WriteAsync(output, ownerId, profile, now, ct);
        await output.FlushAsync(ct);
        return count;
    }

    private async Task<int> WriteAsync(EntryBuffer output, string? ownerId, (string Name, object Value) profile, DateTimeOffset now, CancellationToken ct)
    {
        await using var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8, ct);
        await WriteTextAsync(zip, output, "LISEZMOI.txt", ReadMe(now), now, ct);
        await WriteEntryAsync(zip, output, profile.Name, now, s => JsonSerializer.SerializeAsync(s, profile.Value, ConversationExport.Json, ct), ct);

        await using var db = await dbs.CreateDbContextAsync(ct);
        var count = 0;
        string? after = null;
        while (true)
        {
            var page = db.Conversations.AsNoTracking().Where(c => c.OwnerId == ownerId);
            if (after is not null) page = page.Where(c => string.Compare(c.Id, after) > 0);
            var conversations = await page.OrderBy(c => c.Id).Take(Batch).ToListAsync(ct);
            if (conversations.Count == 0) break;
            var ids = conversations.Select(c => c.Id).ToList();
            var messages = (await db.Messages.AsNoTracking().Where(m => ids.Contains(m.ConversationId)).ToListAsync(ct))
                .ToLookup(m => m.ConversationId);
            foreach (var conversation in conversations)
            {
                var name = ConversationsFolder + $"{conversation.CreatedAt.UtcDateTime:yyyy-MM-dd}-{ExportFileName.Slug(conversation.Title)}-{conversation.Id}";
                var export = ConversationExport.Of(conversation, messages[conversation.Id], now);
                await WriteEntryAsync(zip, output, name + ".json", conversation.UpdatedAt,
                    s => JsonSerializer.SerializeAsync(s, export, ConversationExport.Json, ct), ct);
                await WriteTextAsync(zip, output, name + ".md", MarkdownExport.Write(conversation, messages[conversation.Id], now), conversation.UpdatedAt, ct);
                count++;
            }
            foreach (var extension in extensions) await extension.ExportAsync(db, ids, zip, ct);
            await output.FlushAsync(ct);
            db.ChangeTracker.Clear();
            after = ids[^1];
        }
        return count;
    }

    private static Task WriteTextAsync(ZipArchive zip, EntryBuffer output, string name, string text, DateTimeOffset at, CancellationToken ct) =>
        WriteEntryAsync(zip, output, name, at, async s =>
        {
            await using var writer = new StreamWriter(s, new UTF8Encoding(false), 16 * 1024, leaveOpen: true);
            await writer.WriteAsync(text.AsMemory(), ct);
        }, ct);

    private static async Task WriteEntryAsync(ZipArchive zip, EntryBuffer output, string name, DateTimeOffset at, Func<Stream, Task> write, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        // Zip dates start in 1980.
        entry.LastWriteTime = at.Year < 1980 ? new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero) : at;
        await using (var stream = await entry.OpenAsync(ct)) await write(stream);
        await output.FlushAsync(ct);
    }

    private static string ReadMe(DateTimeOffset now) => $"""
        Vos données dans THÉRÈSE, exportées le {FrenchDates.Long(now)}.

        - conversations/ : chaque conversation deux fois :
          - en .md (Markdown), lisible dans n’importe quel éditeur de texte ;
          - en .json, complète : tous les messages, toutes les versions des réponses, la réflexion du modèle,
            les dates. THÉRÈSE sait la réimporter (« Mes données » → « Importer »), seule ou avec toute cette archive.
        - reglages.json (mode personnel) : le modèle choisi et vos réglages. La clé d’API n’est jamais exportée.
        - compte.json (mode équipe) : votre compte (adresse, nom, rôle). Le mot de passe n’est jamais exporté.

        Les dates sont en temps universel (UTC).
        """.Replace("\n", "\r\n", StringComparison.Ordinal);
}
