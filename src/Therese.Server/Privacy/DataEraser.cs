using Microsoft.EntityFrameworkCore;
using Therese.Server.Chat;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <summary>
/// Deletion that deletes: conversations go with their messages, every version, their search index rows (the
/// full-text triggers and indexes follow the rows), what each <see cref="IConversationData"/> keeps for them, and
/// then their traces in the database files (<see cref="IStorageScrub"/>).
/// </summary>
public sealed class DataEraser(IDbContextFactory<ThereseDb> dbs, AnswerRegistry answers, IStorageScrub scrub, IEnumerable<IConversationData> extensions)
{
    private const int Batch = 500;

    /// <summary>Deletes these conversations in one transaction; answers still being written there end first. Returns how many went.</summary>
    public async Task<int> DeleteConversationsAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        // An answer still being written there ends first, so it cannot write into a deleted conversation.
        foreach (var id in ids) await answers.StopConversationAsync(id);
        var deleted = 0;
        await using (var db = await dbs.CreateDbContextAsync(ct))
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var batch in ids.Chunk(Batch))
            {
                foreach (var extension in extensions) await extension.DeleteAsync(db, batch, ct);
                await db.Messages.Where(m => batch.Contains(m.ConversationId)).ExecuteDeleteAsync(ct);
                deleted += await db.Conversations.Where(c => batch.Contains(c.Id)).ExecuteDeleteAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        await scrub.AfterDeleteAsync(CancellationToken.None);
        return deleted;
    }

    /// <summary>Everything a person has (all conversations of the owner; null: personal mode's). Returns how many conversations went.</summary>
    public async Task<int> DeleteOwnerConversationsAsync(string? ownerId, CancellationToken ct)
    {
        List<string> ids;
        await using (var db = await dbs.CreateDbContextAsync(ct))
            ids = await db.Conversations.Where(c => c.OwnerId == ownerId).Select(c => c.Id).ToListAsync(ct);
        var deleted = await DeleteConversationsAsync(ids, ct);
        await using (var db = await dbs.CreateDbContextAsync(ct))
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var extension in extensions) await extension.DeleteOwnerAsync(db, ownerId, ct);
            await tx.CommitAsync(ct);
        }
        return deleted;
    }

    /// <summary>
    /// A person's token counts per day (team mode). <paramref name="keepFrom"/>: days from then on stay (a running budget).
    /// Call <see cref="ScrubAsync"/> after the last step.
    /// </summary>
    public async Task DeleteUsageAsync(string userId, DateOnly? keepFrom, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = db.Usage.Where(u => u.UserId == userId);
        if (keepFrom is { } from) rows = rows.Where(u => u.Day < from);
        await rows.ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// Removes the traces of what was just deleted from the database files. <see cref="DeleteConversationsAsync"/> does it
    /// itself; a deletion made of several steps (a person, all my data) calls it once more after its last step.
    /// </summary>
    public Task ScrubAsync() => scrub.AfterDeleteAsync(CancellationToken.None);
}
