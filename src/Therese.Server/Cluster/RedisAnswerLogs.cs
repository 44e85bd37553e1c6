using System.Globalization;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using Therese.Server.Chat;

namespace Therese.Server.Cluster;

/// <summary>
/// How an answer's events are kept in its Redis stream: entry id 0-N is the SSE id N; a text delta is its
/// bare text in field <c>d</c>, a reasoning delta in field <c>r</c>, any other event its JSON in field <c>e</c>.
/// </summary>
internal static class LogEntries
{
    public const string Delta = "d";
    public const string Reasoning = "r";
    public const string Event = "e";

    public static RedisValue Id(long id) => "0-" + id.ToString(CultureInfo.InvariantCulture);

    public static NameValueEntry[] Fields(ChatEvent ev, JsonSerializerOptions json) => ev switch
    {
        DeltaEvent delta => [new NameValueEntry(Delta, delta.Content)],
        ReasoningEvent reasoning => [new NameValueEntry(Reasoning, reasoning.Reasoning)],
        _ => [new NameValueEntry(Event, JsonSerializer.Serialize(ev, json))],
    };

    public static LoggedEvent Read(StreamEntry entry, JsonSerializerOptions json)
    {
        var id = long.Parse(((string)entry.Id!).AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture);
        foreach (var field in entry.Values)
        {
            if (field.Name == Delta) return new LoggedEvent(id, new DeltaEvent(field.Value!));
            if (field.Name == Reasoning) return new LoggedEvent(id, new ReasoningEvent(field.Value!));
            if (field.Name == Event) return new LoggedEvent(id, JsonSerializer.Deserialize<ChatEvent>((string)field.Value!, json)!);
        }
        throw new InvalidDataException($"Entry {entry.Id} of an answer log has neither a delta nor an event.");
    }

    /// <summary>A replay: consecutive deltas of one kind as one, carrying the last one's id (as the in-memory log does).</summary>
    public static List<LoggedEvent> Coalesce(List<LoggedEvent> events)
    {
        var result = new List<LoggedEvent>(events.Count);
        StringBuilder? run = null;
        var runIsReasoning = false;
        long runId = 0;
        foreach (var e in events)
        {
            if (e.Event is DeltaEvent or ReasoningEvent)
            {
                var reasoning = e.Event is ReasoningEvent;
                if (run is not null && runIsReasoning != reasoning) Flush();
                runIsReasoning = reasoning;
                (run ??= new StringBuilder()).Append(e.Event is DeltaEvent d ? d.Content : ((ReasoningEvent)e.Event).Reasoning);
                runId = e.Id;
                continue;
            }
            Flush();
            result.Add(e);
        }
        Flush();
        return result;

        void Flush()
        {
            if (run is null) return;
            result.Add(new LoggedEvent(runId, runIsReasoning ? new ReasoningEvent(run.ToString()) : new DeltaEvent(run.ToString())));
            run = null;
        }
    }
}

/// <summary>
/// The log of an answer this instance writes: in memory for its own followers (nothing changes for
/// them), and copied to the answer's Redis stream for followers on other instances. The copy is sent
/// without waiting (fire-and-forget, in order on one connection), so a token reaches local followers
/// as fast as with one instance.
/// </summary>
internal sealed class MirroredLog(AnswerLog inner, string messageId, RedisKeys keys, IConnectionMultiplexer redis, JsonSerializerOptions json) : IAnswerLog
{
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly RedisKey _key = keys.Log(messageId);
    private readonly RedisChannel _wake = keys.Wake(messageId);

    public long Append(ChatEvent ev)
    {
        var id = inner.Append(ev);
        _db.StreamAdd(_key, LogEntries.Fields(ev, json), LogEntries.Id(id), flags: CommandFlags.FireAndForget);
        _db.Publish(_wake, id, CommandFlags.FireAndForget);
        return id;
    }

    public LogRead ReadAfter(long afterId, bool coalesce = false) => inner.ReadAfter(afterId, coalesce);
    public ILogSubscription Subscribe() => inner.Subscribe();
    public long LastId => inner.LastId;
}

/// <summary>
/// An answer another instance writes, read from its Redis stream. A follower is woken by the answer's
/// channel, and looks at the stream every <see cref="RedisOptions.PollSeconds"/> all the same, should
/// a wake-up be lost (StackExchange.Redis does no blocking reads on its shared connection).
/// </summary>
internal sealed class RemoteLog(string messageId, RedisStreamState state) : IAnswerLog
{
    private TimeSpan Poll => TimeSpan.FromSeconds(state.Options.PollSeconds);
    private IDatabase Db => state.Redis.GetDatabase();
    private RedisKey Key => state.Keys.Log(messageId);

    public long Append(ChatEvent ev) => throw new NotSupportedException("Only the instance that writes an answer appends to its log.");

    public LogRead ReadAfter(long afterId, bool coalesce = false)
    {
        var entries = Db.StreamRange(Key, LogEntries.Id(afterId + 1), "+");
        if (entries.Length > 0) return ToRead(entries, coalesce);
        return Nothing(afterId, Db.StreamRange(Key, "-", "+", count: 1, messageOrder: Order.Descending));
    }

    public async ValueTask<LogRead> ReadAfterAsync(long afterId, bool coalesce, CancellationToken ct)
    {
        var entries = await Db.StreamRangeAsync(Key, LogEntries.Id(afterId + 1), "+");
        if (entries.Length > 0) return ToRead(entries, coalesce);
        return Nothing(afterId, await Db.StreamRangeAsync(Key, "-", "+", count: 1, messageOrder: Order.Descending));
    }

    private LogRead ToRead(StreamEntry[] entries, bool coalesce)
    {
        var events = new List<LoggedEvent>(entries.Length);
        var ended = false;
        foreach (var entry in entries)
        {
            var e = LogEntries.Read(entry, state.Json);
            events.Add(e);
            if (e.Event.IsEnd)
            {
                ended = true;
                break;
            }
        }
        return new LogRead(coalesce ? LogEntries.Coalesce(events) : events, ended);
    }

    /// <summary>
    /// Nothing after the cursor: the answer has ended if its last event is its end (a follower that had read it
    /// reconnects); or the log is gone (Redis lost it, or it expired) before its end reached this follower, and the
    /// follower is told the answer was cut off (the saved text is what the conversation shows).
    /// </summary>
    private LogRead Nothing(long afterId, StreamEntry[] last)
    {
        if (last.Length == 0)
            return new LogRead([new LoggedEvent(afterId + 1, ErrorEvent.From(Llm.ProviderError.ShuttingDown))], Ended: true);
        // An event appended between the two reads is read next time, never skipped.
        var newest = LogEntries.Read(last[0], state.Json);
        return new LogRead([], Ended: newest.Id <= afterId && newest.Event.IsEnd);
    }

    public ILogSubscription Subscribe() => new RemoteSubscription(this, state.Wakes.Join(messageId));

    public long LastId
    {
        get
        {
            var last = Db.StreamRange(Key, "-", "+", count: 1, messageOrder: Order.Descending);
            return last.Length == 0 ? 0 : LogEntries.Read(last[0], state.Json).Id;
        }
    }

    /// <summary>Something to read after the cursor: an event, the end already read, or the log gone.</summary>
    private async Task<bool> GrewAfterAsync(long afterId)
    {
        var last = await Db.StreamRangeAsync(Key, "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length == 0 || LogEntries.Read(last[0], state.Json) is var e && (e.Id > afterId || e.Event.IsEnd);
    }

    private sealed class RemoteSubscription(RemoteLog log, WakeGroup.Member wakes) : ILogSubscription
    {
        public async ValueTask<bool> WaitAsync(long afterId, TimeSpan timeout, CancellationToken ct)
        {
            var poll = log.Poll;
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                // Armed before looking, so that a wake-up between the look and the wait is not lost.
                var woken = wakes.Next();
                if (await log.GrewAfterAsync(afterId)) return true;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                await Task.WhenAny(woken, Task.Delay(left < poll ? left : poll, ct));
                ct.ThrowIfCancellationRequested();
            }
        }

        public void Dispose() => wakes.Dispose();
    }
}

/// <summary>
/// The followers on this instance of answers written elsewhere, by answer: the answer's wake channel is
/// subscribed while at least one of them follows it, and each wake-up reaches all of them.
/// </summary>
internal sealed class WakeGroup(ISubscriber subscriber, RedisKeys keys, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Member>> _members = [];

    public Member Join(string messageId)
    {
        var member = new Member(this, messageId);
        bool first;
        lock (_gate)
        {
            if (!_members.TryGetValue(messageId, out var list)) _members[messageId] = list = [];
            first = list.Count == 0;
            list.Add(member);
        }
        if (first)
            subscriber.Subscribe(keys.Wake(messageId), (_, _) => WakeAll(messageId), CommandFlags.FireAndForget);
        return member;
    }

    private void WakeAll(string messageId)
    {
        Member[] members;
        lock (_gate)
        {
            if (!_members.TryGetValue(messageId, out var list)) return;
            members = [.. list];
        }
        foreach (var member in members) member.Wake();
    }

    private void Leave(Member member)
    {
        bool last;
        lock (_gate)
        {
            if (!_members.TryGetValue(member.MessageId, out var list)) return;
            list.Remove(member);
            last = list.Count == 0;
            if (last) _members.Remove(member.MessageId);
        }
        if (last)
        {
            try
            {
                subscriber.Unsubscribe(keys.Wake(member.MessageId), null, CommandFlags.FireAndForget);
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Could not unsubscribe from answer {MessageId}", member.MessageId);
            }
        }
    }

    public sealed class Member(WakeGroup group, string messageId) : IDisposable
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _disposed;

        public string MessageId => messageId;

        /// <summary>A task that completes at the next wake-up after this call.</summary>
        public Task Next()
        {
            var current = Volatile.Read(ref _next);
            if (!current.Task.IsCompleted) return current.Task;
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.CompareExchange(ref _next, fresh, current);
            return Volatile.Read(ref _next).Task;
        }

        public void Wake() => Volatile.Read(ref _next).TrySetResult();

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) group.Leave(this);
        }
    }
}
