using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Attachments.Reading;
using Therese.Server.Chat;
using Therese.Server.Conversations;
using Therese.Server.Privacy;
using Therese.Server.Storage;

namespace Therese.Server.Attachments;

/// <summary>
/// Attached files in « Mes données »: exported beside the conversations (<c>pieces-jointes/{id}/{name}</c>), read back
/// by an import (through the reader process, like an upload), and deleted with the conversations that carried them.
/// </summary>
public sealed class AttachmentData(ReaderProcess reader, IOptions<AttachmentsOptions> options, TimeProvider clock, ILogger<AttachmentData> logger)
    : IConversationData
{
    public const string Folder = "pieces-jointes/";

    public async Task ExportAsync(ThereseDb db, IReadOnlyList<string> conversationIds, ZipArchive archive, CancellationToken ct)
    {
        var attachments = await (
                from link in db.MessageAttachments
                join message in db.Messages on link.MessageId equals message.Id
                join attachment in db.Attachments on link.AttachmentId equals attachment.Id
                where conversationIds.Contains(message.ConversationId)
                select new { attachment.Id, attachment.Name, attachment.Sha256 })
            .Distinct().ToListAsync(ct);
        foreach (var a in attachments.OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            // One file's bytes at a time.
            var content = await db.AttachmentFiles.Where(f => f.Sha256 == a.Sha256).Select(f => f.Content).SingleOrDefaultAsync(ct);
            if (content is null) continue;
            var entry = archive.CreateEntry(Folder + a.Id + "/" + FileNames.Display(a.Name), CompressionLevel.Fastest);
            await using var stream = await entry.OpenAsync(ct);
            await stream.WriteAsync(content, ct);
        }
    }

    public async Task ImportAsync(ThereseDb db, ZipArchive archive, IReadOnlyDictionary<string, string> ids, string? ownerId, CancellationToken ct)
    {
        var files = archive.Entries.Where(e => e.FullName.StartsWith(Folder, StringComparison.Ordinal))
            .Select(e => (Entry: e, Tail: e.FullName[Folder.Length..]))
            .Where(e => e.Tail.IndexOf('/') > 0)
            .GroupBy(e => e.Tail[..e.Tail.IndexOf('/')], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Entry, StringComparer.Ordinal);
        if (files.Count == 0) return;
        var conversations = ids.Values.ToList();
        var messages = await db.Messages.Where(m => conversations.Contains(m.ConversationId) && m.Role == Roles.User && m.Parts != null).ToListAsync(ct);
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            var parts = message.Parts!;
            if (!parts.OfType<AttachmentPart>().Any()) continue;
            var rewritten = new List<MessagePart>(parts.Count);
            var position = 0;
            foreach (var part in parts)
            {
                if (part is not AttachmentPart file) { rewritten.Add(part); continue; }
                if (!given.TryGetValue(file.Id, out var newId))
                {
                    newId = files.TryGetValue(file.Id, out var entry) ? await AddAsync(db, entry, file.Name, ownerId, ct) : null;
                    given[file.Id] = newId ?? "";
                }
                if (string.IsNullOrEmpty(newId))
                {
                    // The file is not in the archive, or could not be read: the message says which file it had, and keeps it out of reach.
                    rewritten.Add(file with { Id = "" });
                    continue;
                }
                rewritten.Add(file with { Id = newId });
                db.MessageAttachments.Add(new MessageAttachment { MessageId = message.Id, AttachmentId = newId, Position = position++ });
            }
            message.Parts = rewritten;
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>One file of the archive, stored for this person once read like an upload; null when it is too big or unreadable.</summary>
    private async Task<string?> AddAsync(ThereseDb db, ZipArchiveEntry entry, string name, string? ownerId, CancellationToken ct)
    {
        var max = options.Value.MaxBytes;
        if (entry.Length > max) return null;
        byte[] bytes;
        await using (var stream = await entry.OpenAsync(ct))
        {
            // The header's length may lie: never read past the limit.
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > max) return null;
                buffer.Write(chunk, 0, read);
            }
            bytes = buffer.ToArray();
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var known = await db.AttachmentFiles.AnyAsync(f => f.Sha256 == sha, ct)
                    || db.AttachmentFiles.Local.Any(f => f.Sha256 == sha);
        if (!known)
        {
            FileReading reading;
            try { reading = await reader.ReadAsync(bytes, ct); }
            catch (ReadFailure failure)
            {
                logger.LogWarning("An imported attachment could not be read and was left out: {Reason}", failure.Message);
                return null;
            }
            db.AttachmentFiles.Add(new AttachmentFile
            {
                Sha256 = sha, Content = bytes, Size = bytes.Length, MediaType = reading.MediaType, Kind = reading.Kind, Pages = reading.Pages,
                Text = reading.Text, PageEnds = reading.PageEnds, TextCut = reading.TextCut, Encrypted = reading.Encrypted, Preview = reading.Preview,
                PreviewType = reading.PreviewType, Width = reading.Width, Height = reading.Height, CreatedAt = clock.GetUtcNow(),
            });
        }
        var attachment = new Attachment { Id = Ids.New(), OwnerId = ownerId, Name = FileNames.Display(name), Sha256 = sha, CreatedAt = clock.GetUtcNow() };
        db.Attachments.Add(attachment);
        return attachment.Id;
    }

    public async Task DeleteAsync(ThereseDb db, IReadOnlyList<string> conversationIds, CancellationToken ct)
    {
        var messages = db.Messages.Where(m => conversationIds.Contains(m.ConversationId)).Select(m => m.Id);
        var used = await AttachmentStore.UsedByAsync(db, messages, ct);
        await db.MessageAttachments.Where(m => messages.Contains(m.MessageId)).ExecuteDeleteAsync(ct);
        // The files only these conversations used go with them; one also sent elsewhere stays there.
        await AttachmentStore.ForgetUnusedAsync(db, used, ct);
    }

    public Task DeleteOwnerAsync(ThereseDb db, string? ownerId, CancellationToken ct) => AttachmentStore.ForgetOwnerAsync(db, ownerId, ct);
}
