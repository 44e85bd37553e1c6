using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Attachments.Reading;
using Therese.Server.Chat;
using Therese.Server.Storage;

namespace Therese.Server.Attachments;

/// <summary>An attachment with what was read of its file, without the file's bytes.</summary>
public sealed record StoredAttachment(Attachment Attachment, AttachmentFile File);

/// <summary>Stores files once by content, gives each person their own attachments, and forgets what nothing uses any more.</summary>
public sealed class AttachmentStore(IDbContextFactory<ThereseDb> dbs, ReaderProcess reader, TimeProvider clock, ILogger<AttachmentStore> logger)
{
    /// <summary>
    /// Stores an uploaded file for this person. A file already stored (same bytes) is not read again; a new one is read
    /// in the reader process first, and refused (<see cref="ReadFailure"/>) if it cannot be read.
    /// </summary>
    public async Task<StoredAttachment> AddAsync(byte[] bytes, string name, string? ownerId, CancellationToken ct)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await using var db = await dbs.CreateDbContextAsync(ct);
        var file = await Files(db).SingleOrDefaultAsync(f => f.Sha256 == sha, ct);
        if (file is null)
        {
            var reading = await reader.ReadAsync(bytes, ct);
            var stored = new AttachmentFile
            {
                Sha256 = sha,
                Content = bytes,
                Size = bytes.Length,
                MediaType = reading.MediaType,
                Kind = reading.Kind,
                Pages = reading.Pages,
                Text = reading.Text,
                PageEnds = reading.PageEnds,
                TextCut = reading.TextCut,
                Encrypted = reading.Encrypted,
                Preview = reading.Preview,
                PreviewType = reading.PreviewType,
                Width = reading.Width,
                Height = reading.Height,
                CreatedAt = clock.GetUtcNow(),
            };
            db.AttachmentFiles.Add(stored);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // The same file uploaded twice at once: the other upload stored it.
                db.ChangeTracker.Clear();
                if (!await db.AttachmentFiles.AnyAsync(f => f.Sha256 == sha, ct)) throw;
            }
            db.ChangeTracker.Clear();
            file = WithoutContent(stored);
        }
        var attachment = new Attachment { Id = Ids.New(), OwnerId = ownerId, Name = name, Sha256 = sha, CreatedAt = clock.GetUtcNow() };
        db.Attachments.Add(attachment);
        await db.SaveChangesAsync(ct);
        return new StoredAttachment(attachment, file);
    }

    /// <summary>This person's attachments among <paramref name="ids"/> (someone else's are not found), without their bytes.</summary>
    public async Task<Dictionary<string, StoredAttachment>> FindAsync(IReadOnlyCollection<string> ids, string? ownerId, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Attachments.AsNoTracking()
            .Where(a => ids.Contains(a.Id) && a.OwnerId == ownerId)
            .Join(Files(db), a => a.Sha256, f => f.Sha256, (a, f) => new { a, f })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.a.Id, r => new StoredAttachment(r.a, r.f));
    }

    /// <summary>The bytes of files, by hash (only for what is sent to a model as it is, or downloaded).</summary>
    public async Task<Dictionary<string, byte[]>> ContentAsync(IReadOnlyCollection<string> hashes, CancellationToken ct)
    {
        if (hashes.Count == 0) return [];
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.AttachmentFiles.AsNoTracking().Where(f => hashes.Contains(f.Sha256))
            .Select(f => new { f.Sha256, f.Content }).ToDictionaryAsync(f => f.Sha256, f => f.Content, ct);
    }

    /// <summary>An unsent attachment is deleted (true); one that a message carries stays (false); null when not found.</summary>
    public async Task<bool?> DeleteUnsentAsync(string id, string? ownerId, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (!await db.Attachments.AnyAsync(a => a.Id == id && a.OwnerId == ownerId, ct)) return null;
        if (await db.MessageAttachments.AnyAsync(m => m.AttachmentId == id, ct)) return false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ForgetAsync(db, [id], ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Files uploaded and never sent, after <paramref name="age"/>: the person left them in a draft, or closed the page.</summary>
    public async Task<int> ForgetUnsentAsync(TimeSpan age, CancellationToken ct)
    {
        var before = clock.GetUtcNow() - age;
        await using var db = await dbs.CreateDbContextAsync(ct);
        var ids = await db.Attachments.Where(a => a.CreatedAt < before && !db.MessageAttachments.Any(m => m.AttachmentId == a.Id))
            .OrderBy(a => a.CreatedAt).Select(a => a.Id).Take(1000).ToListAsync(ct);
        if (ids.Count == 0) return 0;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ForgetAsync(db, ids, ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("{Count} attachment(s) never sent were forgotten", ids.Count);
        return ids.Count;
    }

    /// <summary>
    /// The attachments of these messages, to forget once the messages are deleted: run it in the deleting transaction,
    /// before deleting them, then <see cref="ForgetUnusedAsync"/> after.
    /// </summary>
    public static Task<List<string>> UsedByAsync(ThereseDb db, IQueryable<string> messageIds, CancellationToken ct) =>
        db.MessageAttachments.Where(m => messageIds.Contains(m.MessageId)).Select(m => m.AttachmentId).Distinct().ToListAsync(ct);

    /// <summary>Deletes those of these attachments that no message carries any more, and the files no attachment uses.</summary>
    public static async Task ForgetUnusedAsync(ThereseDb db, IReadOnlyCollection<string> attachmentIds, CancellationToken ct)
    {
        if (attachmentIds.Count == 0) return;
        var unused = await db.Attachments.Where(a => attachmentIds.Contains(a.Id) && !db.MessageAttachments.Any(m => m.AttachmentId == a.Id))
            .Select(a => a.Id).ToListAsync(ct);
        await ForgetAsync(db, unused, ct);
    }

    /// <summary>Everything of one person (deleting their account or all their data; null: personal mode's).</summary>
    public static async Task ForgetOwnerAsync(ThereseDb db, string? ownerId, CancellationToken ct)
    {
        var ids = await db.Attachments.Where(a => a.OwnerId == ownerId).Select(a => a.Id).ToListAsync(ct);
        await db.MessageAttachments.Where(m => ids.Contains(m.AttachmentId)).ExecuteDeleteAsync(ct);
        await ForgetAsync(db, ids, ct);
    }

    private static async Task ForgetAsync(ThereseDb db, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return;
        var hashes = await db.Attachments.Where(a => ids.Contains(a.Id)).Select(a => a.Sha256).Distinct().ToListAsync(ct);
        await db.Attachments.Where(a => ids.Contains(a.Id)).ExecuteDeleteAsync(ct);
        await db.AttachmentFiles.Where(f => hashes.Contains(f.Sha256) && !db.Attachments.Any(a => a.Sha256 == f.Sha256)).ExecuteDeleteAsync(ct);
    }

    /// <summary>Files without their bytes: what reading them gave is enough for most uses.</summary>
    private static IQueryable<AttachmentFile> Files(ThereseDb db) => db.AttachmentFiles.AsNoTracking().Select(f => new AttachmentFile
    {
        Sha256 = f.Sha256,
        Content = Array.Empty<byte>(),
        Size = f.Size,
        MediaType = f.MediaType,
        Kind = f.Kind,
        Pages = f.Pages,
        Text = f.Text,
        PageEnds = f.PageEnds,
        TextCut = f.TextCut,
        Encrypted = f.Encrypted,
        Preview = f.Preview,
        PreviewType = f.PreviewType,
        Width = f.Width,
        Height = f.Height,
        CreatedAt = f.CreatedAt,
    });

    private static AttachmentFile WithoutContent(AttachmentFile f) => new()
    {
        Sha256 = f.Sha256,
        Content = [],
        Size = f.Size,
        MediaType = f.MediaType,
        Kind = f.Kind,
        Pages = f.Pages,
        Text = f.Text,
        PageEnds = f.PageEnds,
        TextCut = f.TextCut,
        Encrypted = f.Encrypted,
        Preview = f.Preview,
        PreviewType = f.PreviewType,
        Width = f.Width,
        Height = f.Height,
        CreatedAt = f.CreatedAt,
    };
}
