using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Chat;
using Therese.Server.Conversations;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <param name="Conversations">The ids of the conversations added, in the file's order.</param>
/// <param name="PartsLeftOut">Parts of a kind this THÉRÈSE does not know (from a newer one), left out; their messages' text is kept.</param>
public sealed record ImportResult(int Imported, int Skipped, IReadOnlyList<string> Conversations, int PartsLeftOut);

/// <summary>
/// Imports one file: a THÉRÈSE conversation (JSON), a « Mes données » zip, or ChatGPT's <c>conversations.json</c>
/// (alone or in ChatGPT's zip). Everything in one transaction: a file that turns out bad halfway leaves nothing
/// behind. Dates, titles and order are kept; full-text search finds the messages at once (its triggers and
/// indexes follow the rows). A conversation already here (the same id, or the same origin imported before) is skipped.
/// </summary>
public sealed class ConversationImporter(IDbContextFactory<ThereseDb> dbs, IEnumerable<IConversationData> extensions, IOptions<ImportOptions> options, TimeProvider clock)
{
    private const int Batch = 100;
    private static readonly JsonSerializerOptions Reading = new() { MaxDepth = 64 };

    public async Task<ImportResult> ImportAsync(Stream file, string? ownerId, CancellationToken ct)
    {
        var limits = options.Value;
        var now = clock.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var save = new Saver(db, ownerId, limits);
        var therese = new ThereseExportReader(limits, now);

        if (await IsZipAsync(file, ct))
        {
            ZipArchive zip;
            try
            {
                zip = await ZipArchive.CreateAsync(file, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, ct);
            }
            catch (InvalidDataException)
            {
                throw new ImportException("Cette archive zip est illisible ou abîmée.");
            }
            await using (zip)
            {
                if (zip.Entries.Count > limits.MaxZipEntries)
                    throw new ImportException($"Cette archive contient trop de fichiers ({FrenchText.Number(limits.MaxZipEntries)} au plus).");
                var budget = new UnpackBudget(limits.MaxUnpackedBytes);
                var chatGpt = zip.Entries.FirstOrDefault(e => e.FullName is "conversations.json" || (e.FullName.EndsWith("/conversations.json", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1));
                if (chatGpt is not null)
                {
                    await using var json = budget.Open(chatGpt, await OpenAsync(chatGpt, ct));
                    await ReadChatGptAsync(json, save, limits, now, ct);
                }
                else
                {
                    var entries = zip.Entries.Where(e => e.FullName.StartsWith(PersonalDataArchive.ConversationsFolder, StringComparison.Ordinal)
                        && e.FullName.EndsWith(".json", StringComparison.OrdinalIgnoreCase)).ToList();
                    if (entries.Count == 0) throw new ImportException("Cette archive ne contient aucune conversation de THÉRÈSE ni de ChatGPT.");
                    foreach (var entry in entries)
                    {
                        await using var json = budget.Open(entry, await OpenAsync(entry, ct));
                        await save.AddAsync(await therese.ReadAsync(json, $"Le fichier {FrenchText.Quote(entry.FullName)}", ct), ct);
                    }
                }
                await save.FlushAsync(ct);
                foreach (var extension in extensions) await extension.ImportAsync(db, zip, save.IdMap, ownerId, ct);
            }
        }
        else
        {
            var first = await FirstCharAsync(file, ct);
            if (first == '[') await ReadChatGptAsync(file, save, limits, now, ct);
            else if (first == '{')
            {
                JsonElement root;
                try
                {
                    root = (await JsonSerializer.DeserializeAsync<JsonElement>(file, Reading, ct));
                }
                catch (JsonException)
                {
                    throw new ImportException("Ce fichier n’est pas un JSON valide.");
                }
                if (ThereseExportReader.IsExport(root))
                {
                    file.Position = 0;
                    await save.AddAsync(await therese.ReadAsync(file, "Ce fichier", ct), ct);
                }
                else if (ChatGptReader.IsConversation(root))
                    await save.AddAsync(new ChatGptReader(limits, now).Read(root, 1), ct);
                else
                    throw new ImportException("Ce fichier JSON n’est ni un export de THÉRÈSE ni un export de ChatGPT (conversations.json).");
            }
            else throw new ImportException("THÉRÈSE importe un export JSON de THÉRÈSE, une archive « Mes données » (.zip) ou le conversations.json de ChatGPT : ce fichier n’est rien de cela.");
            await save.FlushAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new ImportResult(save.Imported.Count, save.Skipped, save.Imported, therese.PartsLeftOut);
    }

    private static async Task ReadChatGptAsync(Stream json, Saver save, ImportOptions limits, DateTimeOffset now, CancellationToken ct)
    {
        var reader = new ChatGptReader(limits, now);
        var index = 0;
        try
        {
            await foreach (var conversation in JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(json, Reading, ct))
                await save.AddAsync(reader.Read(conversation, ++index), ct);
        }
        catch (JsonException)
        {
            throw new ImportException(index == 0
                ? "Ce fichier n’est pas un JSON valide, ou pas une liste de conversations de ChatGPT."
                : $"Le fichier ChatGPT n’est plus un JSON valide après la conversation n° {index}.");
        }
    }

    private static async Task<Stream> OpenAsync(ZipArchiveEntry entry, CancellationToken ct)
    {
        try
        {
            return await entry.OpenAsync(ct);
        }
        catch (InvalidDataException)
        {
            throw new ImportException($"Le fichier {FrenchText.Quote(entry.FullName)} de l’archive est illisible.");
        }
    }

    private static async Task<bool> IsZipAsync(Stream file, CancellationToken ct)
    {
        var head = new byte[4];
        var read = await file.ReadAtLeastAsync(head, 4, throwOnEndOfStream: false, ct);
        file.Position = 0;
        return read == 4 && head is [(byte)'P', (byte)'K', 3, 4];
    }

    /// <summary>The first character that is not a byte order mark or white space.</summary>
    private static async Task<char> FirstCharAsync(Stream file, CancellationToken ct)
    {
        var buffer = new byte[256];
        var read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        file.Position = 0;
        var start = read >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
        for (var i = start; i < read; i++)
            if (buffer[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return (char)buffer[i];
        return '\0';
    }

    /// <summary>Adds conversations a batch at a time, skipping those already here; keeps what the transaction added.</summary>
    private sealed class Saver(ThereseDb db, string? ownerId, ImportOptions limits)
    {
        private readonly List<ImportedConversation> _pending = [];
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
        private readonly HashSet<string> _conversationIds = new(StringComparer.Ordinal);
        private readonly HashSet<string> _messageIds = new(StringComparer.Ordinal);
        private int _read;

        public List<string> Imported { get; } = [];
        public int Skipped { get; private set; }

        /// <summary>The file's conversation ids and the ids they have here.</summary>
        public Dictionary<string, string> IdMap { get; } = new(StringComparer.Ordinal);

        public async Task AddAsync(ImportedConversation? conversation, CancellationToken ct)
        {
            if (++_read > limits.MaxConversations)
                throw new ImportException($"Ce fichier contient trop de conversations ({FrenchText.Number(limits.MaxConversations)} au plus par import).");
            if (conversation is null)
            {
                // Nothing to keep in it (only system or tool messages).
                Skipped++;
                return;
            }
            _pending.Add(conversation);
            if (_pending.Count >= Batch) await FlushAsync(ct);
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            if (_pending.Count == 0) return;
            var keys = _pending.Select(c => c.Key).ToList();
            var known = (await db.Conversations.Where(c => c.OwnerId == ownerId && c.ImportKey != null && keys.Contains(c.ImportKey))
                .Select(c => c.ImportKey!).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var fileIds = _pending.Where(c => c.Id is not null).Select(c => c.Id!).ToList();
            var taken = await db.Conversations.Where(c => fileIds.Contains(c.Id)).Select(c => new { c.Id, c.OwnerId }).ToDictionaryAsync(c => c.Id, c => c.OwnerId, ct);
            var messageIds = _pending.SelectMany(c => c.Messages).Where(m => m.Id is not null).Select(m => m.Id!).ToList();
            var takenMessages = (await db.Messages.Where(m => messageIds.Contains(m.Id)).Select(m => m.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);

            foreach (var c in _pending)
            {
                var mine = c.Id is not null && taken.TryGetValue(c.Id, out var owner) && owner == ownerId;
                if (!_keys.Add(c.Key) || known.Contains(c.Key) || mine)
                {
                    Skipped++;
                    continue;
                }
                // Someone else's id (another person's export, in team mode) is never reused nor revealed: a new one is made.
                var keepIds = c.Id is not null && !taken.ContainsKey(c.Id) && _conversationIds.Add(c.Id);
                var id = keepIds ? c.Id! : Chat.Ids.New();
                IdMap[c.Id ?? id] = id;
                db.Conversations.Add(new Conversation
                {
                    Id = id, OwnerId = ownerId, Title = c.Title, CreatedAt = c.CreatedAt, UpdatedAt = c.UpdatedAt, ImportKey = c.Key,
                });
                foreach (var m in c.Messages)
                {
                    var messageId = keepIds && m.Id is not null && !takenMessages.Contains(m.Id) && _messageIds.Add(m.Id) ? m.Id : Chat.Ids.New();
                    db.Messages.Add(new Message
                    {
                        Id = messageId, ConversationId = id, Role = m.Role, Content = MessageParts.TextOf(m.Parts), Parts = MessageParts.ToStored(m.Parts),
                        Status = m.Status, StopReason = m.StopReason, InputTokens = m.InputTokens, OutputTokens = m.OutputTokens,
                        CreatedAt = m.CreatedAt, Position = m.Position, Version = m.Version, Hidden = m.Hidden,
                    });
                }
                Imported.Add(id);
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            _pending.Clear();
        }
    }

    /// <summary>What the entries of one zip may unpack to, in all: past it, the file is refused (a zip bomb).</summary>
    private sealed class UnpackBudget(long max)
    {
        private long _left = max;

        public Stream Open(ZipArchiveEntry entry, Stream stream)
        {
            if (entry.Length > _left) throw TooBig();
            return new Counted(stream, this);
        }

        private static ImportException TooBig() => new("Cette archive se décompresse en bien plus de données qu’elle n’en annonce, ou en trop : elle est refusée.");

        private void Take(int bytes)
        {
            _left -= bytes;
            if (_left < 0) throw TooBig();
        }

        private sealed class Counted(Stream inner, UnpackBudget budget) : Stream
        {
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override int Read(byte[] buffer, int offset, int count)
            {
                var read = inner.Read(buffer, offset, count);
                budget.Take(read);
                return read;
            }

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                var read = await inner.ReadAsync(buffer, cancellationToken);
                budget.Take(read);
                return read;
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }

            public override ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
