using System.Data.Common;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Therese.Server.Conversations;

namespace Therese.Server.Storage;

/// <summary>
/// The one writer of streaming answers. Checkpoints and final states go through a queue, in order,
/// so the token path never waits on SQLite and a late checkpoint can never overwrite a final state.
/// What is queued while a write runs is written next in one transaction (one commit for many answers),
/// and a message's text checkpoints in that batch collapse into its last one: with thousands of answers
/// streaming, the writer keeps up with one small statement per answer per checkpoint.
/// </summary>
public sealed class MessageWriter(IDbContextFactory<ThereseDb> dbs, ILogger<MessageWriter> logger) : BackgroundService
{
    private const int MaxBatch = 512;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new() { SingleReader = true });

    /// <summary>A queued write: any EF work, or (with <see cref="TextOf"/>) the partial text and parts of a streaming answer.</summary>
    private sealed record Work(Func<ThereseDb, Task>? Write, TaskCompletionSource Done, string? TextOf = null, string? Text = null, string? Parts = null);

    /// <summary>Queues a write and returns when it is on disk (or failed).</summary>
    public Task Enqueue(Func<ThereseDb, Task> write) => Queue(new Work(write, NewDone()));

    /// <summary>
    /// Queues the partial text of a streaming answer, with its parts as stored JSON (null when it is its text alone);
    /// kept only while it is still streaming. Returns when it is on disk.
    /// </summary>
    public Task SaveStreaming(string messageId, string text, string? parts) => Queue(new Work(null, NewDone(), messageId, text, parts));

    private static TaskCompletionSource NewDone() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task Queue(Work work)
    {
        if (!_queue.Writer.TryWrite(work))
            work.Done.SetException(new InvalidOperationException("The message writer has stopped."));
        return work.Done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Drain the queue even while the host stops, so final states reach the disk.
        var batch = new List<Work>();
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var work)) batch.Add(work);
            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<Work> batch)
    {
        // Only the last text of each answer in the batch is written; the earlier ones are done when it is.
        var lastText = new Dictionary<string, Work>();
        foreach (var work in batch)
            if (work.TextOf is { } id) lastText[id] = work;

        var written = new List<Work>(batch.Count);
        try
        {
            await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
            await using var transaction = await db.Database.BeginTransactionAsync();
            DbCommand? saveText = null;
            foreach (var work in batch)
            {
                if (work.TextOf is { } messageId)
                {
                    if (lastText[messageId] == work)
                    {
                        saveText ??= SaveTextCommand(db, transaction);
                        saveText.Parameters[0].Value = work.Text;
                        saveText.Parameters[1].Value = (object?)work.Parts ?? DBNull.Value;
                        saveText.Parameters[2].Value = messageId;
                        await saveText.ExecuteNonQueryAsync();
                    }
                    written.Add(work);
                    continue;
                }
                // Each other write in its own savepoint: one that fails is undone alone and reported to its caller.
                await transaction.CreateSavepointAsync("write");
                try
                {
                    await work.Write!(db);
                    await transaction.ReleaseSavepointAsync("write");
                    written.Add(work);
                }
                catch (Exception ex)
                {
                    await transaction.RollbackToSavepointAsync("write");
                    logger.LogError(ex, "Saving a message failed");
                    work.Done.TrySetException(ex);
                }
                finally
                {
                    db.ChangeTracker.Clear();
                }
            }
            saveText?.Dispose();
            await transaction.CommitAsync();
            foreach (var work in written) work.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Saving {Count} message write(s) failed", batch.Count);
            foreach (var work in batch) work.Done.TrySetException(ex);
        }
    }

    /// <summary>UPDATE messages SET content, parts WHERE id AND status = streaming, prepared once per batch, names from the EF model.</summary>
    private static DbCommand SaveTextCommand(ThereseDb db, IDbContextTransaction transaction)
    {
        var entity = db.Model.FindEntityType(typeof(Message))!;
        string Column(string property) => entity.FindProperty(property)!.GetColumnName();
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction.GetDbTransaction();
        command.CommandText =
            $"UPDATE \"{entity.GetTableName()}\" SET \"{Column(nameof(Message.Content))}\" = @text, \"{Column(nameof(Message.Parts))}\" = @parts " +
            $"WHERE \"{Column(nameof(Message.Id))}\" = @id AND \"{Column(nameof(Message.Status))}\" = '{MessageStatus.Streaming}'";
        // @name and a declared type: what both SQLite and PostgreSQL (Npgsql) prepare.
        foreach (var name in new[] { "@text", "@parts", "@id" })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.DbType = System.Data.DbType.String;
            command.Parameters.Add(parameter);
        }
        command.Prepare();
        return command;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }
}
