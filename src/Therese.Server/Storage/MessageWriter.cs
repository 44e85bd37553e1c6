using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace Therese.Server.Storage;

/// <summary>
/// The one writer of streaming answers. Checkpoints and final states go through a queue, in order,
/// so the token path never waits on SQLite and a late checkpoint can never overwrite a final state.
/// </summary>
public sealed class MessageWriter(IDbContextFactory<ThereseDb> dbs, ILogger<MessageWriter> logger) : BackgroundService
{
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new() { SingleReader = true });

    private sealed record Work(Func<ThereseDb, Task> Write, TaskCompletionSource Done);

    /// <summary>Queues a write and returns when it is on disk (or failed).</summary>
    public Task Enqueue(Func<ThereseDb, Task> write)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new Work(write, done)))
            done.SetException(new InvalidOperationException("The message writer has stopped."));
        return done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Drain the queue even while the host stops, so final states reach the disk.
        await foreach (var work in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
                await work.Write(db);
                work.Done.SetResult();
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Saving a message failed");
                work.Done.SetException(ex);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }
}
