using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Therese.Server.Chat;

namespace Therese.Server.Cluster;

/// <summary>What the sweeper needs to end an answer whose instance died, kept in the running hash.</summary>
internal sealed record RunningAnswer(string Instance, string ConversationId, string LockOwner, string Client);

/// <summary>
/// The live state of answers shared through Redis by several instances (docs/scaling.md):
/// - each answer's events in a Redis stream, mirrored by the instance that writes it, readable by all;
/// - the conversation lock (SET NX) and each client's answer count, on every instance together;
/// - Stop through any instance: published to all, with a per-instance set read at each heartbeat as fallback;
/// - who follows an answer from another instance, so that its writer does not think it abandoned.
/// Liveness and the sweeper are in <see cref="ClusterHeartbeat"/>.
/// </summary>
public sealed class RedisStreamState : IStreamState
{
    private readonly ConcurrentDictionary<string, AnswerLog> _local = new();
    private readonly ConcurrentDictionary<string, LiveAnswer> _running = new();
    private readonly ConcurrentDictionary<string, int> _followedHere = new();
    private readonly TimeProvider _clock;
    private readonly ILogger<RedisStreamState> _logger;

    internal IConnectionMultiplexer Redis { get; }
    internal RedisKeys Keys { get; }
    internal RedisOptions Options { get; }
    internal JsonSerializerOptions Json { get; }
    internal WakeGroup Wakes { get; }

    /// <summary>This process, as the other instances know it.</summary>
    public string InstanceId { get; } = Ids.New();

    public RedisStreamState(IConnectionMultiplexer redis, IOptions<RedisOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        TimeProvider clock, ILogger<RedisStreamState> logger)
    {
        Redis = redis;
        Options = options.Value;
        Keys = new RedisKeys(Options.Prefix);
        Json = json.Value.SerializerOptions;
        _clock = clock;
        _logger = logger;
        Wakes = new WakeGroup(redis.GetSubscriber(), Keys, logger);
    }

    private IDatabase Db => Redis.GetDatabase();

    /// <summary>The answers this instance writes (the heartbeat reads their missed Stop requests).</summary>
    internal IReadOnlyDictionary<string, LiveAnswer> Running => _running;

    /// <summary>Answers written elsewhere that a request here follows (the heartbeat renews that presence).</summary>
    internal IEnumerable<string> FollowedHere => _followedHere.Keys;

    public IAnswerLog CreateLog(string messageId)
    {
        var log = new AnswerLog();
        _local[messageId] = log;
        return new MirroredLog(log, messageId, Keys, Redis, Json);
    }

    public async ValueTask<IAnswerLog?> FindLogAsync(string messageId)
    {
        if (_local.TryGetValue(messageId, out var log)) return log;
        return await Db.KeyExistsAsync(Keys.Log(messageId)) ? new RemoteLog(messageId, this) : null;
    }

    public void FreeLog(string messageId, TimeSpan after)
    {
        // Kept for the replay window here and in Redis, then the saved answer is replayed from the database.
        Db.KeyExpire(Keys.Log(messageId), after > TimeSpan.Zero ? after : TimeSpan.FromMilliseconds(1), flags: CommandFlags.FireAndForget);
        FreedLogs.RemoveAfter(_local, messageId, after, _clock);
    }

    private string LockValue(string owner) => InstanceId + "|" + owner;

    public async ValueTask<bool> TryLockConversationAsync(string conversationId, string owner) =>
        await Db.StringSetAsync(Keys.Busy(conversationId), LockValue(owner), when: When.NotExists);

    public void UnlockConversation(string conversationId, string owner) =>
        Db.ScriptEvaluate(Scripts.DeleteIfEquals, [Keys.Busy(conversationId)], [LockValue(owner)], CommandFlags.FireAndForget);

    public async ValueTask<bool> TryTakeClientSlotAsync(string client, int limit) =>
        (long)await Db.ScriptEvaluateAsync(Scripts.TakeSlot, [Keys.Slots(client)], [limit]) == 1;

    public void ReleaseClientSlot(string client) =>
        Db.ScriptEvaluate(Scripts.ReleaseSlot, [Keys.Slots(client)], flags: CommandFlags.FireAndForget);

    public IDisposable Run(LiveAnswer answer)
    {
        _running[answer.MessageId] = answer;
        Announce(answer);
        return new Registration(() =>
        {
            _running.TryRemove(answer.MessageId, out _);
            var end = Db.CreateBatch();
            _ = end.HashDeleteAsync(Keys.Running, answer.MessageId, CommandFlags.FireAndForget);
            _ = end.SetRemoveAsync(Keys.AnswersOf(InstanceId), answer.MessageId, CommandFlags.FireAndForget);
            end.Execute();
        });
    }

    /// <summary>Tells the other instances (and their sweepers) that this instance writes the answer.</summary>
    private void Announce(LiveAnswer answer)
    {
        var entry = JsonSerializer.Serialize(new RunningAnswer(InstanceId, answer.ConversationId, answer.LockOwner, answer.Client));
        var batch = Db.CreateBatch();
        _ = batch.HashSetAsync(Keys.Running, answer.MessageId, entry, flags: CommandFlags.FireAndForget);
        _ = batch.SetAddAsync(Keys.AnswersOf(InstanceId), answer.MessageId, CommandFlags.FireAndForget);
        batch.Execute();
    }

    /// <summary>
    /// Redis is back, possibly empty (restarted without persistence): the answers this instance still writes
    /// are announced again and their conversations locked again, so that no sweeper takes them for abandoned.
    /// </summary>
    internal void Reannounce()
    {
        foreach (var answer in _running.Values)
        {
            Announce(answer);
            Db.StringSet(Keys.Busy(answer.ConversationId), LockValue(answer.LockOwner), when: When.NotExists, flags: CommandFlags.FireAndForget);
        }
    }

    public async ValueTask<bool> RequestStopAsync(string messageId)
    {
        if (_running.TryGetValue(messageId, out var mine))
        {
            mine.Stop();
            return true;
        }
        if (ReadRunning(await Db.HashGetAsync(Keys.Running, messageId)) is not { } running) return false;
        // Published for at once; kept in the instance's set in case that instance misses the message.
        Db.SetAdd(Keys.Stops(running.Instance), messageId, CommandFlags.FireAndForget);
        Db.Publish(Keys.Stop, messageId, CommandFlags.FireAndForget);
        return true;
    }

    public async ValueTask<bool> RequestToolDecisionAsync(string messageId, string callId, bool approve)
    {
        if (_running.TryGetValue(messageId, out var mine))
        {
            mine.DecideTool?.Invoke(callId, approve);
            return true;
        }
        if (ReadRunning(await Db.HashGetAsync(Keys.Running, messageId)) is null) return false;
        // Published only: a decision that is lost leaves the call waiting, and the person can decide again.
        await Db.PublishAsync(Keys.ToolDecision, $"{messageId}\n{callId}\n{(approve ? 1 : 0)}");
        return true;
    }

    /// <summary>A decision on a tool call reached this instance; it applies if this instance writes the answer.</summary>
    internal void ToolDecisionRequested(string message)
    {
        var fields = message.Split('\n');
        if (fields.Length == 3 && _running.TryGetValue(fields[0], out var answer)) answer.DecideTool?.Invoke(fields[1], fields[2] == "1");
    }

    public async ValueTask<string?> ClientOfAsync(string messageId) =>
        _running.TryGetValue(messageId, out var mine) ? mine.Client : ReadRunning(await Db.HashGetAsync(Keys.Running, messageId))?.Client;

    internal static RunningAnswer? ReadRunning(RedisValue value) =>
        value.IsNullOrEmpty ? null : JsonSerializer.Deserialize<RunningAnswer>((string)value!);

    /// <summary>A Stop request reached this instance (published, or found at a heartbeat).</summary>
    internal void StopRequested(string messageId)
    {
        if (_running.TryGetValue(messageId, out var answer)) answer.Stop();
    }

    public IDisposable FollowElsewhere(string messageId)
    {
        _followedHere.AddOrUpdate(messageId, 1, (_, n) => n + 1);
        RenewPresence(Db, messageId);
        return new Registration(() =>
        {
            if (_followedHere.AddOrUpdate(messageId, 0, (_, n) => n - 1) > 0) return;
            _followedHere.TryRemove(new KeyValuePair<string, int>(messageId, 0));
            Db.SortedSetRemove(Keys.Watchers(messageId), InstanceId, CommandFlags.FireAndForget);
        });
    }

    /// <summary>This instance follows the answer for another liveness period.</summary>
    internal void RenewPresence(IDatabaseAsync db, string messageId)
    {
        var until = _clock.GetUtcNow().AddSeconds(Options.LivenessSeconds).ToUnixTimeMilliseconds();
        _ = db.SortedSetAddAsync(Keys.Watchers(messageId), InstanceId, until, flags: CommandFlags.FireAndForget);
        _ = db.KeyExpireAsync(Keys.Watchers(messageId), TimeSpan.FromSeconds(Options.LivenessSeconds * 4), flags: CommandFlags.FireAndForget);
    }

    public async Task<bool> IsFollowedElsewhereAsync(string messageId)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        return await Db.SortedSetLengthAsync(Keys.Watchers(messageId), now, double.PositiveInfinity, Exclude.Start) > 0;
    }

    /// <summary>The Lua scripts: each runs atomically in Redis.</summary>
    internal static class Scripts
    {
        public const string DeleteIfEquals = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

        // A count left raised (a take that ran but whose reply was lost to a timeout, so nobody gives it back) goes away
        // an hour after the person's last answer started, rather than never. Dead instances' answers are given back by the sweeper.
        public const string TakeSlot =
            "local n = redis.call('incr', KEYS[1]) if n > tonumber(ARGV[1]) then redis.call('decr', KEYS[1]) return 0 end " +
            "redis.call('expire', KEYS[1], 3600) return 1";

        public const string ReleaseSlot =
            "local n = tonumber(redis.call('get', KEYS[1]) or '0') if n <= 1 then redis.call('del', KEYS[1]) return 0 end return redis.call('decr', KEYS[1])";
    }
}
