using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <summary>After a deletion, what the database must do so that the deleted bytes are gone from its files.</summary>
public interface IStorageScrub
{
    Task AfterDeleteAsync(CancellationToken ct);
}

/// <summary>
/// SQLite. Every connection deletes with <c>secure_delete</c> (<see cref="SecureDelete"/>), and the full-text
/// indexes with FTS5's own <c>secure-delete</c> (DataRights migration), so the database file keeps nothing. The
/// write-ahead log still holds the pages as they were: a checkpoint copies them over and TRUNCATE empties it.
/// </summary>
public sealed class SqliteScrub(IDbContextFactory<ThereseDb> dbs, ILogger<SqliteScrub> logger) : IStorageScrub
{
    public async Task AfterDeleteAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await using var result = await checkpoint.ExecuteReaderAsync(ct);
        // Busy: a reader still needs older pages (a long export); the next deletion or SQLite's own checkpoint finishes the job.
        if (await result.ReadAsync(ct) && result.GetInt32(0) != 0)
            logger.LogInformation("The write-ahead log could not be emptied now: a reader holds it; its old pages go at the next checkpoint");
    }

}

/// <summary>
/// PostgreSQL keeps a deleted row's bytes until VACUUM makes their space reusable (and its WAL until checkpoints
/// recycle it). A VACUUM of the tables that held them runs in the background after a deletion, one at a time;
/// deletions that come meanwhile are covered by one more run.
/// </summary>
public sealed class PostgresScrub(IDbContextFactory<ThereseDb> dbs, ILogger<PostgresScrub> logger) : IStorageScrub
{
    private int _state; // 0 idle, 1 running, 2 running and asked again

    public Task AfterDeleteAsync(CancellationToken ct)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0) _ = Task.Run(RunAsync, CancellationToken.None);
        else Interlocked.Exchange(ref _state, 2);
        return Task.CompletedTask;
    }

    private async Task RunAsync()
    {
        do
        {
            Interlocked.Exchange(ref _state, 1);
            try
            {
                await using var db = await dbs.CreateDbContextAsync();
                await db.Database.ExecuteSqlRawAsync("VACUUM messages, conversations, usage");
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "VACUUM after a deletion failed; PostgreSQL's autovacuum will reclaim the space later");
            }
        }
        while (Interlocked.CompareExchange(ref _state, 0, 1) == 2);
    }
}
