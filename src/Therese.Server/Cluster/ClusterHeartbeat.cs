using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Therese.Server.Chat;
using Therese.Server.Conversations;
using Therese.Server.Llm;
using Therese.Server.Storage;

namespace Therese.Server.Cluster;

/// <summary>
/// What keeps several instances honest, once per <see cref="RedisOptions.HeartbeatSeconds"/>:
/// - says this instance is alive (a key that expires after <see cref="RedisOptions.LivenessSeconds"/>);
/// - reads the Stop requests it may have missed, and renews its followers' presence;
/// - sweeps: the answers of an instance that stopped saying it is alive are marked interrupted, with all
///   the text their followers received, and their followers' streams end with an error event. Answers
///   left streaming in the database with no live writer (the whole cluster stopped) are swept too.
/// It also carries Stop requests and settings changes published by other instances.
/// </summary>
public sealed class ClusterHeartbeat(
    RedisStreamState state, IDbContextFactory<ThereseDb> dbs, ChatModels models, IOptions<ChatStreamOptions> chat,
    TimeProvider clock, ILogger<ClusterHeartbeat> logger) : BackgroundService
{
    private readonly RedisOptions _options = state.Options;
    private RedisKeys Keys => state.Keys;
    private IDatabase Db => state.Redis.GetDatabase();
    private DateTimeOffset _connectedSince;
    private DateTimeOffset _nextDatabaseSweep;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscriber = state.Redis.GetSubscriber();
        await subscriber.SubscribeAsync(Keys.Stop, (_, id) => state.StopRequested(id!));
        await subscriber.SubscribeAsync(Keys.ToolDecision, (_, message) => state.ToolDecisionRequested(message!));
        await subscriber.SubscribeAsync(Keys.Settings, (_, _) => _ = ReloadSettingsAsync());
        models.Saved += () => Db.Publish(Keys.Settings, state.InstanceId, CommandFlags.FireAndForget);
        state.Redis.ConnectionRestored += (_, _) =>
        {
            // Messages published while the connection was down are lost: catch up, and do not sweep
            // anyone until the others had time to say they are alive again.
            _connectedSince = clock.GetUtcNow();
            state.Reannounce();
            _ = ReloadSettingsAsync();
        };
        state.Redis.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost ({Failure}): answers still stream here; resuming on another instance waits for it", e.FailureType);
        _connectedSince = clock.GetUtcNow();
        _nextDatabaseSweep = clock.GetUtcNow().AddSeconds(_options.LivenessSeconds);
        await BeatAsync();
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.HeartbeatSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await BeatAsync();
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or DbUpdateException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Cluster heartbeat failed; trying again in {Seconds} s", _options.HeartbeatSeconds);
            }
        }
    }

    private async Task BeatAsync()
    {
        var db = Db;
        await db.StringSetAsync(Keys.Alive(state.InstanceId), clock.GetUtcNow().ToUnixTimeMilliseconds(), TimeSpan.FromSeconds(_options.LivenessSeconds));
        await db.SetAddAsync(Keys.Instances, state.InstanceId);
        foreach (var id in await db.SetPopAsync(Keys.Stops(state.InstanceId), 1000)) state.StopRequested(id!);
        var batch = db.CreateBatch();
        foreach (var followed in state.FollowedHere) state.RenewPresence(batch, followed);
        batch.Execute();
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now - _connectedSince < TimeSpan.FromSeconds(_options.LivenessSeconds)) return;
        var db = Db;
        foreach (var instance in await db.SetMembersAsync(Keys.Instances))
        {
            var id = (string)instance!;
            if (id == state.InstanceId || await db.KeyExistsAsync(Keys.Alive(id))) continue;
            // One instance sweeps a dead one; the claim expires should it die too.
            if (!await db.StringSetAsync(Keys.Sweeping(id), state.InstanceId, TimeSpan.FromSeconds(60), When.NotExists)) continue;
            var answers = await db.SetMembersAsync(Keys.AnswersOf(id));
            logger.LogWarning("Instance {Instance} stopped answering; ending its {Count} answer(s) as interrupted", id, answers.Length);
            foreach (var answer in answers) await InterruptAsync((string)answer!, ct);
            await db.KeyDeleteAsync([Keys.AnswersOf(id), Keys.Stops(id)]);
            await db.SetRemoveAsync(Keys.Instances, id);
        }
        if (now >= _nextDatabaseSweep)
        {
            _nextDatabaseSweep = now.AddSeconds(Math.Max(30, _options.LivenessSeconds * 2));
            await SweepDatabaseAsync(now, ct);
        }
    }

    /// <summary>Answers streaming in the database that no live instance writes (all of them stopped, or Redis lost its state).</summary>
    private async Task SweepDatabaseAsync(DateTimeOffset now, CancellationToken ct)
    {
        var before = now.AddSeconds(-_options.LivenessSeconds);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var streaming = await db.Messages.Where(m => m.Status == MessageStatus.Streaming).Select(m => new { m.Id, m.CreatedAt }).ToListAsync(ct);
        foreach (var message in streaming.Where(m => m.CreatedAt < before))
        {
            if (ReadRunningOwner(await Db.HashGetAsync(Keys.Running, message.Id)) is { } owner && await Db.KeyExistsAsync(Keys.Alive(owner))) continue;
            if (!await Db.StringSetAsync(Keys.Sweeping(message.Id), state.InstanceId, TimeSpan.FromSeconds(60), When.NotExists)) continue;
            logger.LogWarning("Answer {MessageId} was left streaming with no instance writing it; marking it interrupted", message.Id);
            await InterruptAsync(message.Id, ct);
        }
    }

    private static string? ReadRunningOwner(RedisValue value) => RedisStreamState.ReadRunning(value)?.Instance;

    /// <summary>
    /// Ends an answer whose writer is gone: its text is everything its log holds (what followers saw),
    /// saved as interrupted; its followers get the error event; its conversation and its client's place are freed.
    /// </summary>
    private async Task InterruptAsync(string messageId, CancellationToken ct)
    {
        var redis = Db;
        var entries = await redis.StreamRangeAsync(Keys.Log(messageId), "-", "+");
        var events = entries.Select(e => LogEntries.Read(e, state.Json)).ToList();
        var ended = events.Any(e => e.Event.IsEnd);
        // What its followers saw, part by part. Signatures never leave the writing instance: reasoning saved here
        // is never sent back to a provider.
        IReadOnlyList<MessagePart>? parts = events.FirstOrDefault().Event is StartEvent ? AnswerParts.Fold(events.Select(e => e.Event)) : null;

        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            var streaming = db.Messages.Where(m => m.Id == messageId && m.Status == MessageStatus.Streaming);
            if (parts is not null)
            {
                var text = MessageParts.TextOf(parts);
                var stored = MessageParts.ToStored(parts);
                await streaming.ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Status, MessageStatus.Interrupted)
                    .SetProperty(m => m.StopReason, "interrupted")
                    .SetProperty(m => m.Content, text)
                    .SetProperty(m => m.Parts, stored), ct);
            }
            else
                await streaming.ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Status, MessageStatus.Interrupted)
                    .SetProperty(m => m.StopReason, "interrupted"), ct);
        }

        if (events.Count > 0 && !ended)
        {
            var next = events[^1].Id + 1;
            await redis.StreamAddAsync(Keys.Log(messageId), LogEntries.Fields(ErrorEvent.From(ProviderError.ShuttingDown), state.Json), LogEntries.Id(next));
            await redis.PublishAsync(Keys.Wake(messageId), next);
        }
        await redis.KeyExpireAsync(Keys.Log(messageId), TimeSpan.FromSeconds(chat.Value.ReplayWindowSeconds));

        if (RedisStreamState.ReadRunning(await redis.HashGetAsync(Keys.Running, messageId)) is { } running)
        {
            await redis.ScriptEvaluateAsync(RedisStreamState.Scripts.DeleteIfEquals, [Keys.Busy(running.ConversationId)], [running.Instance + "|" + running.LockOwner]);
            await redis.ScriptEvaluateAsync(RedisStreamState.Scripts.ReleaseSlot, [Keys.Slots(running.Client)]);
            await redis.HashDeleteAsync(Keys.Running, messageId);
        }
    }

    private async Task ReloadSettingsAsync()
    {
        try
        {
            await models.ReloadAsync();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not reload the model settings changed on another instance");
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // After the answers ended (the registry stops first): this instance leaves, and the pipe is flushed.
        try
        {
            await Db.KeyDeleteAsync(Keys.Alive(state.InstanceId));
            await Db.SetRemoveAsync(Keys.Instances, state.InstanceId);
            await Db.PingAsync();
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not say goodbye to Redis");
        }
    }
}
