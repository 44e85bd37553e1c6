using System.Text;

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

    /// <summary>True when something after <paramref name="afterId"/> exists (or the log ended); false after <paramref name="timeout"/>.</summary>
    Task<bool> WaitAsync(long afterId, TimeSpan timeout, CancellationToken ct);

    long LastId { get; }

    /// <summary>The text appended by deltas so far.</summary>
    string Text { get; }
}

/// <summary>
/// The in-memory log. Text is coalesced: deltas add to one string, and each costs one int (where its
/// text ends), never an object, so a 1,000,000-character answer holds its text once plus one int per delta.
/// </summary>
public sealed class AnswerLog : IAnswerLog
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private readonly List<Entry> _entries = [];
    private long _lastId;
    private bool _ended;
    private TaskCompletionSource? _changed;

    /// <summary>A non-delta event, or a run of consecutive deltas (ids FirstId… with their text end offsets).</summary>
    private sealed class Entry(long firstId, ChatEvent? ev, int runStart)
    {
        public long FirstId { get; } = firstId;
        public ChatEvent? Event { get; } = ev;
        public int RunStart { get; } = runStart;
        public List<int>? Ends { get; init; }
        public long LastId => Event is not null ? FirstId : FirstId + Ends!.Count - 1;
    }

    public long LastId
    {
        get { lock (_gate) return _lastId; }
    }

    public string Text
    {
        get { lock (_gate) return _text.ToString(); }
    }

    public long Append(ChatEvent ev)
    {
        if (ev is PingEvent) throw new ArgumentException("Pings are sent to each follower, never logged.", nameof(ev));
        TaskCompletionSource? wake;
        long id;
        lock (_gate)
        {
            if (_ended) throw new InvalidOperationException("The answer has already ended.");
            id = ++_lastId;
            if (ev is DeltaEvent delta)
            {
                var run = _entries.Count > 0 && _entries[^1].Event is null ? _entries[^1] : null;
                if (run is null)
                {
                    run = new Entry(id, null, _text.Length) { Ends = [] };
                    _entries.Add(run);
                }
                _text.Append(delta.Content);
                run.Ends!.Add(_text.Length);
            }
            else
            {
                _entries.Add(new Entry(id, ev, _text.Length));
                _ended = ev.IsEnd;
            }
            wake = _changed;
            _changed = null;
        }
        wake?.TrySetResult();
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
                    events.Add(new LoggedEvent(entry.LastId, new DeltaEvent(_text.ToString(from, entry.Ends![^1] - from))));
                    continue;
                }
                for (var i = first; i < entry.Ends!.Count; i++)
                {
                    events.Add(new LoggedEvent(entry.FirstId + i, new DeltaEvent(_text.ToString(from, entry.Ends[i] - from))));
                    from = entry.Ends[i];
                }
            }
            return new LogRead(events, _ended);
        }
    }

    public async Task<bool> WaitAsync(long afterId, TimeSpan timeout, CancellationToken ct)
    {
        Task changed;
        lock (_gate)
        {
            if (_lastId > afterId || _ended) return true;
            _changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed = _changed.Task;
        }
        try
        {
            await changed.WaitAsync(timeout, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
