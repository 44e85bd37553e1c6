using System.Collections.Concurrent;

namespace Therese.Server.Chat;

/// <summary>
/// What every THÉRÈSE instance must see of the answers being written: their event logs, which
/// conversation is busy, and Stop requests. In memory by default; docs/scaling.md describes the
/// Redis implementation for several instances. Nothing else about live answers is shared.
/// </summary>
public interface IStreamState
{
    /// <summary>A new, empty log for an answer this instance runs.</summary>
    IAnswerLog CreateLog(string messageId);

    /// <summary>The log of a live or recently ended answer, or null once it has been freed (or never existed).</summary>
    IAnswerLog? FindLog(string messageId);

    /// <summary>Frees an ended answer's log after the replay window.</summary>
    void FreeLog(string messageId, TimeSpan after);

    /// <summary>One answer per conversation at a time: false when another one is being written.</summary>
    bool TryLockConversation(string conversationId, string owner);

    void UnlockConversation(string conversationId, string owner);

    /// <summary>Asks whichever instance runs the answer to stop it. False when no instance runs it.</summary>
    bool RequestStop(string messageId);

    /// <summary>This instance runs the answer and stops it when asked (from any instance).</summary>
    IDisposable OnStopRequested(string messageId, Action stop);
}

/// <summary>The state of live answers for a single instance.</summary>
public sealed class InMemoryStreamState(TimeProvider clock) : IStreamState
{
    private readonly ConcurrentDictionary<string, AnswerLog> _logs = new();
    private readonly ConcurrentDictionary<string, string> _busy = new();
    private readonly ConcurrentDictionary<string, Action> _stops = new();

    public IAnswerLog CreateLog(string messageId)
    {
        var log = new AnswerLog();
        _logs[messageId] = log;
        return log;
    }

    public IAnswerLog? FindLog(string messageId) => _logs.TryGetValue(messageId, out var log) ? log : null;

    public void FreeLog(string messageId, TimeSpan after)
    {
        if (after <= TimeSpan.Zero)
        {
            _logs.TryRemove(messageId, out _);
            return;
        }
        ITimer? timer = null;
        timer = clock.CreateTimer(_ =>
        {
            _logs.TryRemove(messageId, out var _);
            timer?.Dispose();
        }, null, after, Timeout.InfiniteTimeSpan);
    }

    public bool TryLockConversation(string conversationId, string owner) => _busy.TryAdd(conversationId, owner);

    public void UnlockConversation(string conversationId, string owner) =>
        _busy.TryRemove(new KeyValuePair<string, string>(conversationId, owner));

    public bool RequestStop(string messageId)
    {
        if (!_stops.TryGetValue(messageId, out var stop)) return false;
        stop();
        return true;
    }

    public IDisposable OnStopRequested(string messageId, Action stop)
    {
        _stops[messageId] = stop;
        return new Registration(() => _stops.TryRemove(messageId, out _));
    }

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
