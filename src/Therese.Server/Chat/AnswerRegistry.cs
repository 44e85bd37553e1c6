using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Therese.Server.Llm;
using Therese.Server.Observability;
using Therese.Server.Web;

namespace Therese.Server.Chat;

/// <summary>A place among the answers being written, taken before an answer starts and given back when it ends.</summary>
public sealed class AnswerSlot(string client, Action release) : IDisposable
{
    private int _released;

    /// <summary>Whose limit it counts against.</summary>
    public string Client => client;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) release();
    }
}

/// <summary>A conversation reserved for one answer; released when that answer ends (or was never started).</summary>
public sealed class ConversationLock(IStreamState state, string conversationId)
{
    private readonly string _owner = Ids.New();
    private int _released;

    public string ConversationId => conversationId;
    public string Owner => _owner;

    public ValueTask<bool> TryAcquireAsync() => state.TryLockConversationAsync(conversationId, _owner);

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) state.UnlockConversation(conversationId, _owner);
    }
}

/// <summary>
/// The answers this instance is writing, by message id. Starts them, finds them for followers and
/// Stop, frees them after their end, and ends them all as interrupted when THÉRÈSE shuts down.
/// </summary>
public sealed class AnswerRegistry : IHostedService
{
    private readonly ConcurrentDictionary<string, AnswerRun> _runs = new();
    private readonly IStreamState _state;
    private readonly AnswerStore _store;
    private readonly TimeProvider _clock;
    private readonly ChatStreamOptions _options;
    private readonly TimeSpan _idleTimeout;
    private readonly ILogger<AnswerRun> _logger;
    private readonly LimitsOptions _limits;
    private readonly ChatMetrics _metrics;
    private int _slots;

    public AnswerRegistry(IStreamState state, AnswerStore store, TimeProvider clock, IOptions<ChatStreamOptions> options,
        IOptions<LlmOptions> llm, IOptions<LimitsOptions> limits, ILogger<AnswerRun> logger, IMeterFactory meters, IHostApplicationLifetime lifetime)
    {
        // Shutting down ends every answer at once, before the server waits for the requests that follow them.
        lifetime.ApplicationStopping.Register(StopAll);
        _state = state;
        _store = store;
        _clock = clock;
        _options = options.Value;
        _idleTimeout = TimeSpan.FromSeconds(llm.Value.IdleTimeoutSeconds);
        _logger = logger;
        _limits = limits.Value;
        _metrics = new ChatMetrics(meters);
        meters.Create("Therese").CreateObservableGauge("therese.answers.running", () => _runs.Count, "{answer}",
            "Answers being written by this instance.");
    }

    /// <summary>Answers being written now.</summary>
    public int Running => _runs.Count;

    /// <summary>
    /// A place for one more answer from this client (its IP address), or null when the server already writes
    /// Therese:Limits:MaxConcurrentAnswers answers, or this client MaxConcurrentAnswersPerClient.
    /// </summary>
    public async ValueTask<AnswerSlot?> TryTakeSlotAsync(string client)
    {
        // The server's capacity is this instance's; a client's share counts on every instance.
        var taken = false;
        try
        {
            taken = Interlocked.Increment(ref _slots) <= _limits.MaxConcurrentAnswers
                && await _state.TryTakeClientSlotAsync(client, _limits.MaxConcurrentAnswersPerClient);
        }
        finally
        {
            // Refused, or the shared state could not be reached: this instance's count goes back too.
            if (!taken) Interlocked.Decrement(ref _slots);
        }
        if (!taken) return null;
        return new AnswerSlot(client, () =>
        {
            _state.ReleaseClientSlot(client);
            Interlocked.Decrement(ref _slots);
        });
    }

    /// <summary>Reserves a conversation for the next answer; null when one is already being written there.</summary>
    public async ValueTask<ConversationLock?> TryLockAsync(string conversationId)
    {
        var held = new ConversationLock(_state, conversationId);
        return await held.TryAcquireAsync() ? held : null;
    }

    /// <summary>
    /// Like <see cref="TryLockAsync"/>, but an answer that was just stopped (Stop, or its client left) is let
    /// finish saving first: « Continuer » right after Stop is not a conflict.
    /// </summary>
    public async Task<ConversationLock?> LockAsync(string conversationId, CancellationToken ct)
    {
        if (await TryLockAsync(conversationId) is { } held) return held;
        var ending = _runs.Values.FirstOrDefault(r => r.ConversationId == conversationId && r.Ending);
        if (ending is null) return null;
        Task ended = ending.Completion.WaitAsync(TimeSpan.FromSeconds(5), ct);
        await ended.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return await TryLockAsync(conversationId);
    }

    /// <summary>Starts the answer in the background. The conversation and the slot stay taken until its end.</summary>
    public AnswerRun Start(ChatTurn turn, ConversationLock held, AnswerSlot slot)
    {
        var run = new AnswerRun(turn, _state.CreateLog(turn.AssistantId), _store, _clock, _options, _idleTimeout, _logger)
        {
            BeforeEnd = () =>
            {
                held.Release();
                slot.Dispose();
                return Task.CompletedTask;
            },
            FollowedElsewhere = () => _state.IsFollowedElsewhereAsync(turn.AssistantId),
            Metrics = _metrics,
        };
        _runs[run.MessageId] = run;
        IDisposable stopRequests;
        try
        {
            stopRequests = _state.Run(new LiveAnswer(run.MessageId, run.ConversationId, held.Owner, slot.Client, () => run.Stop(StopCause.User))
            {
                DecideTool = (callId, approve) => run.Decide(callId, approve),
            });
        }
        catch
        {
            // Not started: the caller gives back the conversation and the slot; nothing may wait for this run.
            _runs.TryRemove(run.MessageId, out _);
            run.Dispose();
            throw;
        }
        run.Start();
        _ = run.Completion.ContinueWith(_ =>
        {
            stopRequests.Dispose();
            _runs.TryRemove(run.MessageId, out var _);
            _state.FreeLog(run.MessageId, TimeSpan.FromSeconds(_options.ReplayWindowSeconds));
            run.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return run;
    }

    public bool TryGet(string messageId, out AnswerRun run) => _runs.TryGetValue(messageId, out run!);

    /// <summary>Stops every answer of a conversation (it is being deleted).</summary>
    public async Task StopConversationAsync(string conversationId)
    {
        var runs = _runs.Values.Where(r => r.ConversationId == conversationId).ToList();
        foreach (var run in runs) run.Stop(StopCause.User);
        await Task.WhenAll(runs.Select(r => r.Completion));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void StopAll()
    {
        foreach (var run in _runs.Values) run.Stop(StopCause.Shutdown);
    }

    /// <summary>Shutting down: every answer ends now as interrupted, with its text saved.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var runs = _runs.Values.ToList();
        StopAll();
        Task ended = Task.WhenAll(runs.Select(r => r.Completion)).WaitAsync(cancellationToken);
        await ended.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
