using System.Collections.Concurrent;

namespace Therese.Server.Chat;

/// <summary>An answer this instance is writing, as the shared state knows it.</summary>
/// <param name="LockOwner">Who holds its conversation (<see cref="IStreamState.TryLockConversation"/>).</param>
/// <param name="Client">Whose limit it counts against (the person in team mode, the IP address otherwise).</param>
/// <param name="Stop">Stops the answer (a Stop asked through any instance).</param>
public sealed record LiveAnswer(string MessageId, string ConversationId, string LockOwner, string Client, Action Stop)
{
    /// <summary>A person's decision on one of its tool calls that waits (call id, approve), from any instance.</summary>
    public Action<string, bool>? DecideTool { get; init; }
}

/// <summary>
/// What every THÉRÈSE instance must see of the answers being written: their event logs, which
/// conversation is busy, how many answers each client has, Stop requests, and who follows an answer.
/// <see cref="InMemoryStreamState"/> for one instance; Cluster/RedisStreamState for several
/// (docs/scaling.md). Nothing else about live answers is shared.
/// </summary>
public interface IStreamState
{
    /// <summary>A new, empty log for an answer this instance runs.</summary>
    IAnswerLog CreateLog(string messageId);

    /// <summary>The log of a live or recently ended answer, or null once it has been freed (or never existed).</summary>
    ValueTask<IAnswerLog?> FindLogAsync(string messageId);

    /// <summary>Frees an ended answer's log after the replay window.</summary>
    void FreeLog(string messageId, TimeSpan after);

    // What a request waits for is asynchronous (a round trip to Redis with several instances); what
    // only announces something (unlock, release, run, follow) is sent without waiting.

    /// <summary>One answer per conversation at a time: false when another one is being written.</summary>
    ValueTask<bool> TryLockConversationAsync(string conversationId, string owner);

    void UnlockConversation(string conversationId, string owner);

    /// <summary>One more answer for this client, unless it already has <paramref name="limit"/> (on every instance together).</summary>
    ValueTask<bool> TryTakeClientSlotAsync(string client, int limit);

    void ReleaseClientSlot(string client);

    /// <summary>This instance writes the answer until the returned registration is disposed; Stop requests reach it.</summary>
    IDisposable Run(LiveAnswer answer);

    /// <summary>Asks whichever instance writes the answer to stop it. False when no instance writes it.</summary>
    ValueTask<bool> RequestStopAsync(string messageId);

    /// <summary>
    /// Passes a person's decision on a waiting tool call to whichever instance writes the answer. False when no instance
    /// writes it. The decision shows in the answer's log (<see cref="ToolDecisionEvent"/>) once taken.
    /// </summary>
    ValueTask<bool> RequestToolDecisionAsync(string messageId, string callId, bool approve);

    /// <summary>The client (in team mode, the person) of an answer being written on any instance; null when none writes it.</summary>
    ValueTask<string?> ClientOfAsync(string messageId);

    /// <summary>A request here follows an answer that another instance writes (so that instance does not give up on it).</summary>
    IDisposable FollowElsewhere(string messageId);

    /// <summary>Whether a request on another instance follows the answer (its writer decides whether it was abandoned).</summary>
    Task<bool> IsFollowedElsewhereAsync(string messageId);
}

/// <summary>The state of live answers for a single instance.</summary>
public sealed class InMemoryStreamState(TimeProvider clock) : IStreamState
{
    private readonly ConcurrentDictionary<string, AnswerLog> _logs = new();
    private readonly ConcurrentDictionary<string, string> _busy = new();
    private readonly ConcurrentDictionary<string, LiveAnswer> _running = new();
    private readonly Lock _slotsGate = new();
    private readonly Dictionary<string, int> _slots = [];

    public IAnswerLog CreateLog(string messageId)
    {
        var log = new AnswerLog();
        _logs[messageId] = log;
        return log;
    }

    public ValueTask<IAnswerLog?> FindLogAsync(string messageId) => new(_logs.TryGetValue(messageId, out var log) ? log : null);

    public void FreeLog(string messageId, TimeSpan after) => FreedLogs.RemoveAfter(_logs, messageId, after, clock);

    public ValueTask<bool> TryLockConversationAsync(string conversationId, string owner) => new(_busy.TryAdd(conversationId, owner));

    public void UnlockConversation(string conversationId, string owner) =>
        _busy.TryRemove(new KeyValuePair<string, string>(conversationId, owner));

    public ValueTask<bool> TryTakeClientSlotAsync(string client, int limit)
    {
        lock (_slotsGate)
        {
            _slots.TryGetValue(client, out var mine);
            if (mine >= limit) return new(false);
            _slots[client] = mine + 1;
            return new(true);
        }
    }

    public void ReleaseClientSlot(string client)
    {
        lock (_slotsGate)
            if (_slots.TryGetValue(client, out var mine))
            {
                if (mine <= 1) _slots.Remove(client);
                else _slots[client] = mine - 1;
            }
    }

    public IDisposable Run(LiveAnswer answer)
    {
        _running[answer.MessageId] = answer;
        return new Registration(() => _running.TryRemove(answer.MessageId, out _));
    }

    public ValueTask<bool> RequestStopAsync(string messageId)
    {
        if (!_running.TryGetValue(messageId, out var answer)) return new(false);
        answer.Stop();
        return new(true);
    }

    public ValueTask<string?> ClientOfAsync(string messageId) => new(_running.TryGetValue(messageId, out var answer) ? answer.Client : null);

    public ValueTask<bool> RequestToolDecisionAsync(string messageId, string callId, bool approve)
    {
        if (!_running.TryGetValue(messageId, out var answer)) return new(false);
        answer.DecideTool?.Invoke(callId, approve);
        return new(true);
    }

    public IDisposable FollowElsewhere(string messageId) => Registration.None;

    public Task<bool> IsFollowedElsewhereAsync(string messageId) => Task.FromResult(false);
}

/// <summary>Runs an action once, when disposed.</summary>
public sealed class Registration(Action dispose) : IDisposable
{
    public static readonly IDisposable None = new Registration(() => { });
    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) dispose();
    }
}

/// <summary>An ended answer's log stays for the replay window, then goes (both stream states keep their logs this way).</summary>
internal static class FreedLogs
{
    public static void RemoveAfter(ConcurrentDictionary<string, AnswerLog> logs, string messageId, TimeSpan after, TimeProvider clock)
    {
        if (after <= TimeSpan.Zero)
        {
            logs.TryRemove(messageId, out _);
            return;
        }
        ITimer? timer = null;
        timer = clock.CreateTimer(_ =>
        {
            logs.TryRemove(messageId, out var _);
            timer?.Dispose();
        }, null, after, Timeout.InfiniteTimeSpan);
    }
}
