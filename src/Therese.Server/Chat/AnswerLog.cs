using System.Text;
using System.Threading.Tasks.Sources;

namespace Therese.Server.Chat;

/// <summary>What a follower reads: the events after its cursor, and whether the answer has ended.</summary>
public sealed record LogRead(IReadOnlyList<LoggedEvent> Events, bool Ended);

/// <summary>
/// The event log of one answer, numbered 1, 2, 3… A follower replays it after any id, then waits for
/// more. Implementations: <see cref="AnswerLog"/> in memory; a Redis stream for several instances.
/// </summary>
public interface IAnswerLog
{
    /// <summary>Appends an event (pings are never logged) and wakes the followers. Returns its id.</summary>
    long Append(ChatEvent ev);

    /// <summary>
    /// Every event after <paramref name="afterId"/>, one delta per token; with <paramref name="coalesce"/>
    /// (a replay), consecutive deltas come as one carrying the last one's id.
    /// </summary>
    LogRead ReadAfter(long afterId, bool coalesce = false);

    /// <summary><see cref="ReadAfter"/> for logs that live elsewhere (a Redis stream); in memory it completes at once.</summary>
    ValueTask<LogRead> ReadAfterAsync(long afterId, bool coalesce, CancellationToken ct) => new(ReadAfter(afterId, coalesce));

    /// <summary>A follower's wake-ups, reused for each of its waits; dispose it when the follower leaves.</summary>
    ILogSubscription Subscribe();

    /// <summary>One wait (<see cref="ILogSubscription.WaitAsync"/> on a subscription of its own).</summary>
    async Task<bool> WaitAsync(long afterId, TimeSpan timeout, CancellationToken ct)
    {
        using var subscription = Subscribe();
        return await subscription.WaitAsync(afterId, timeout, ct);
    }

    long LastId { get; }
}

/// <summary>How one follower waits for the log to grow.</summary>
public interface ILogSubscription : IDisposable
{
    /// <summary>True when something after <paramref name="afterId"/> exists (or the log ended); false after <paramref name="timeout"/>.</summary>
    ValueTask<bool> WaitAsync(long afterId, TimeSpan timeout, CancellationToken ct);
}

/// <summary>
/// The in-memory log. Text and reasoning are coalesced: deltas add to one string, and each costs one int (where
/// its text ends), never an object, so a 1,000,000-character answer holds its text once plus one int per delta.
/// </summary>
public sealed class AnswerLog : IAnswerLog
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private readonly List<Entry> _entries = [];
    private long _lastId;
    private bool _ended;
    private readonly List<Subscription> _waiting = [];

    /// <summary>
    /// A non-delta event, or a run of consecutive deltas of one kind, text or reasoning (ids FirstId… with their
    /// text end offsets).
    /// </summary>
    private sealed class Entry(long firstId, ChatEvent? ev, int runStart, bool reasoning = false)
    {
        public long FirstId { get; } = firstId;
        public ChatEvent? Event { get; } = ev;
        public int RunStart { get; } = runStart;
        public bool Reasoning { get; } = reasoning;
        public List<int>? Ends { get; init; }
        public long LastId => Event is not null ? FirstId : FirstId + Ends!.Count - 1;

        public ChatEvent Delta(string text) => Reasoning ? new ReasoningEvent(text) : new DeltaEvent(text);
    }

    public long LastId
    {
        get { lock (_gate) return _lastId; }
    }

    public long Append(ChatEvent ev)
    {
        if (ev is PingEvent) throw new ArgumentException("Pings are sent to each follower, never logged.", nameof(ev));
        Subscription[]? wake = null;
        long id;
        lock (_gate)
        {
            if (_ended) throw new InvalidOperationException("The answer has already ended.");
            id = ++_lastId;
            if (ev is DeltaEvent or ReasoningEvent)
            {
                var reasoning = ev is ReasoningEvent;
                var run = _entries.Count > 0 && _entries[^1] is { Event: null } last && last.Reasoning == reasoning ? last : null;
                if (run is null)
                {
                    run = new Entry(id, null, _text.Length, reasoning) { Ends = [] };
                    _entries.Add(run);
                }
                _text.Append(ev is DeltaEvent delta ? delta.Content : ((ReasoningEvent)ev).Reasoning);
                run.Ends!.Add(_text.Length);
            }
            else
            {
                _entries.Add(new Entry(id, ev, _text.Length));
                _ended = ev.IsEnd;
            }
            if (_waiting.Count > 0)
            {
                wake = [.. _waiting];
                _waiting.Clear();
            }
        }
        // Outside the lock, on this thread: a waiting follower writes the event to its response at once,
        // as a bare relay would, instead of waiting for a thread-pool thread to pick it up.
        if (wake is not null)
            foreach (var follower in wake) follower.Wake();
        return id;
    }

    public LogRead ReadAfter(long afterId, bool coalesce = false)
    {
        lock (_gate)
        {
            var events = new List<LoggedEvent>();
            foreach (var entry in _entries)
            {
                if (entry.LastId <= afterId) continue;
                if (entry.Event is not null)
                {
                    events.Add(new LoggedEvent(entry.FirstId, entry.Event));
                    continue;
                }
                var first = (int)Math.Max(0, afterId - entry.FirstId + 1);
                var from = first == 0 ? entry.RunStart : entry.Ends![first - 1];
                if (coalesce)
                {
                    events.Add(new LoggedEvent(entry.LastId, entry.Delta(_text.ToString(from, entry.Ends![^1] - from))));
                    continue;
                }
                for (var i = first; i < entry.Ends!.Count; i++)
                {
                    events.Add(new LoggedEvent(entry.FirstId + i, entry.Delta(_text.ToString(from, entry.Ends[i] - from))));
                    from = entry.Ends[i];
                }
            }
            return new LogRead(events, _ended);
        }
    }

    public ILogSubscription Subscribe() => new Subscription(this);

    public async Task<bool> WaitAsync(long afterId, TimeSpan timeout, CancellationToken ct)
    {
        using var subscription = Subscribe();
        return await subscription.WaitAsync(afterId, timeout, ct);
    }

    /// <summary>
    /// One follower's waits, without an allocation, a timer or a registration per token: the timer and the
    /// cancellation registration are made once and re-armed. A wake runs the follower's continuation inline.
    /// </summary>
    private sealed class Subscription(AnswerLog log) : ILogSubscription, IValueTaskSource<bool>
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };
        private ITimer? _timer;
        private CancellationToken _registeredFor;
        private CancellationTokenRegistration _registration;
        private int _armed;

        public ValueTask<bool> WaitAsync(long afterId, TimeSpan timeout, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            _core.Reset();
            lock (log._gate)
            {
                if (log._lastId > afterId || log._ended) return new ValueTask<bool>(true);
                Volatile.Write(ref _armed, 1);
                log._waiting.Add(this);
            }
            _timer ??= TimeProvider.System.CreateTimer(static s => ((Subscription)s!).TimedOut(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
            if (ct.CanBeCanceled && ct != _registeredFor)
            {
                _registration.Dispose();
                _registeredFor = ct;
                _registration = ct.UnsafeRegister(static s => ((Subscription)s!).Cancelled(), this);
            }
            return new ValueTask<bool>(this, _core.Version);
        }

        internal void Wake() => Complete(true, null);

        private void TimedOut()
        {
            lock (log._gate) log._waiting.Remove(this);
            Complete(false, null);
        }

        private void Cancelled()
        {
            lock (log._gate) log._waiting.Remove(this);
            Complete(false, new OperationCanceledException(_registeredFor));
        }

        private void Complete(bool result, Exception? error)
        {
            // Whichever comes first (an event, the timeout, the cancellation) completes this wait; the others find it done.
            if (Interlocked.Exchange(ref _armed, 0) == 0) return;
            if (error is null) _core.SetResult(result);
            else _core.SetException(error);
        }

        public bool GetResult(short token) => _core.GetResult(token);
        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public void Dispose()
        {
            lock (log._gate) log._waiting.Remove(this);
            _timer?.Dispose();
            _registration.Dispose();
        }
    }
}
