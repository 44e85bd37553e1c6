using Microsoft.Extensions.AI;
using Therese.Server.Llm;
using Therese.Server.Llm.Local;
using Therese.Server.Observability;

namespace Therese.Server.Chat;

/// <summary>
/// One answer, running in the background and owned by no request: it reads the provider, logs each
/// event, saves as it goes, and ends with a single outcome. Requests only follow its log. The chat
/// client comes with the turn and the clock is injected, so a run can be tested without HTTP.
/// </summary>
public sealed class AnswerRun : IDisposable
{
    private readonly ChatTurn _turn;
    private readonly AnswerStore _store;
    private readonly TimeProvider _clock;
    private readonly ChatStreamOptions _options;
    private readonly TimeSpan _idleTimeout;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cancel = new();
    private readonly Lock _gate = new();
    /// <summary>How long after the provider call the answer's rows are written (real models think far longer).</summary>
    private static readonly TimeSpan SaveAfter = TimeSpan.FromMilliseconds(20);

    private int _cause;
    private int _followers;
    private ITimer? _grace;

    public AnswerRun(ChatTurn turn, IAnswerLog log, AnswerStore store, TimeProvider clock, ChatStreamOptions options, TimeSpan idleTimeout, ILogger logger)
    {
        _turn = turn;
        Log = log;
        _store = store;
        _clock = clock;
        _options = options;
        _idleTimeout = idleTimeout;
        _logger = logger;
    }

    public string MessageId => _turn.AssistantId;
    public string ConversationId => _turn.ConversationId;
    public IAnswerLog Log { get; }

    private readonly TaskCompletionSource<AnswerOutcome> _completion = new();

    /// <summary>
    /// Completes with the outcome once the end is saved and logged. Never faults. It exists from construction:
    /// the registry lists a run before starting it, and others may look at it in between.
    /// </summary>
    public Task<AnswerOutcome> Completion => _completion.Task;

    /// <summary>False until the run has started: the registry lists a run just before starting it, and others may look at it then.</summary>
    public bool Ended => Completion is { IsCompleted: true };

    /// <summary>Stopped (by anyone, for any cause) and about to end: its conversation is free in a moment.</summary>
    public bool Ending => Volatile.Read(ref _cause) != (int)StopCause.None || Ended;

    /// <summary>Runs when the outcome is known and saved, before followers hear of it (frees the conversation).</summary>
    public Func<Task>? BeforeEnd { get; init; }

    /// <summary>Several instances: whether a request on another instance follows this answer (then it is not abandoned).</summary>
    public Func<Task<bool>>? FollowedElsewhere { get; init; }

    /// <summary>Where the run reports its time to first token, its speed and its end; none in unit tests.</summary>
    public ChatMetrics? Metrics { get; init; }

    /// <summary>Starts reading the provider. The start event is logged before this returns.</summary>
    public AnswerRun Start()
    {
        Log.Append(_turn.Start);
        _ = CompleteAsync();
        return this;
    }

    private async Task CompleteAsync()
    {
        try
        {
            _completion.SetResult(await RunAsync());
        }
        catch (Exception ex)
        {
            _completion.SetException(ex);
        }
    }

    /// <summary>Cuts the answer short. The first cause wins; later calls do nothing.</summary>
    public bool Stop(StopCause cause)
    {
        if (Interlocked.CompareExchange(ref _cause, (int)cause, (int)StopCause.None) != (int)StopCause.None) return false;
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over.
        }
        return true;
    }

    /// <summary>
    /// A request follows the answer. When a non-resumable follower leaves before the end, the answer
    /// stops (closing the connection means Stop, as curl users expect). When the last resumable one
    /// leaves, the answer waits <see cref="ChatStreamOptions.ResumeGraceSeconds"/> for someone to come back.
    /// </summary>
    public IDisposable Follow(bool resumable)
    {
        lock (_gate)
        {
            _followers++;
            _grace?.Dispose();
            _grace = null;
        }
        return new Follower(this, resumable);
    }

    private void Unfollow(bool resumable)
    {
        if (Ended) return;
        if (!resumable)
        {
            Stop(StopCause.User);
            return;
        }
        lock (_gate)
        {
            if (--_followers > 0 || Ended) return;
            _grace?.Dispose();
            ArmGrace();
        }
    }

    /// <summary>Nobody follows here: after the grace period, the answer stops unless someone came back (here or elsewhere).</summary>
    private void ArmGrace()
    {
        _grace?.Dispose();
        _grace = _clock.CreateTimer(static state => _ = ((AnswerRun)state!).GraceExpiredAsync(),
            this, TimeSpan.FromSeconds(_options.ResumeGraceSeconds), Timeout.InfiniteTimeSpan);
    }

    private async Task GraceExpiredAsync()
    {
        lock (_gate)
            if (_followers > 0 || Ended) return;
        var elsewhere = false;
        if (FollowedElsewhere is { } followed)
        {
            try
            {
                elsewhere = await followed();
            }
            catch (Exception ex)
            {
                // The shared state cannot say: keep writing rather than drop an answer someone may read.
                _logger.LogWarning(ex, "Could not learn whether answer {MessageId} is followed on another instance", MessageId);
                elsewhere = true;
            }
        }
        lock (_gate)
        {
            if (_followers > 0 || Ended) return;
            if (elsewhere)
            {
                ArmGrace();
                return;
            }
        }
        Stop(StopCause.Abandoned);
    }

    private sealed class Follower(AnswerRun run, bool resumable) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) run.Unfollow(resumable);
        }
    }

    private async Task<AnswerOutcome> RunAsync()
    {
        // Runs on the caller's thread up to the provider call, so the request goes out first.
        var checkpointEvery = TimeSpan.FromSeconds(_options.CheckpointIntervalSeconds);
        Exception? failure = null;
        ChatFinishReason? finish = null;
        Usage? usage = null;
        Task saved = Task.CompletedTask;
        Task? beginning = null;
        using var idle = _clock.CreateTimer(static s => ((AnswerRun)s!).Stop(StopCause.Idle), this, _idleTimeout, Timeout.InfiniteTimeSpan);
        var measure = Metrics?.Begin(_clock, _turn.Model.Name, _turn.Model.Settings.Model);
        try
        {
            var options = new ChatOptions { MaxOutputTokens = _turn.Model.Settings.MaxTokens };
            await using var updates = _turn.Model.Client!.GetStreamingResponseAsync(_turn.History, options, _cancel.Token).GetAsyncEnumerator(_cancel.Token);

            // Send the request first; the rows are written while the model thinks, a moment later, so that writing
            // never competes with a first token that comes at once (on two cores, a write next to it costs it a millisecond).
            var next = updates.MoveNextAsync();
            beginning = BeginSoonAsync();
            var lastCheckpoint = _clock.GetTimestamp();
            while (await next)
            {
                idle.Change(_idleTimeout, Timeout.InfiniteTimeSpan);
                var update = updates.Current;
                finish = update.FinishReason ?? finish;
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent u)
                        usage = new Usage((int)(u.Details.InputTokenCount ?? usage?.InputTokens ?? 0), (int)(u.Details.OutputTokenCount ?? usage?.OutputTokens ?? 0));
                    else if (content is ModelLoadingContent)
                        Log.Append(new LoadingEvent());
                }
                if (update.Text is { Length: > 0 } delta)
                {
                    Log.Append(new DeltaEvent(delta));
                    measure?.Token();
                    if (_clock.GetElapsedTime(lastCheckpoint) >= checkpointEvery)
                    {
                        lastCheckpoint = _clock.GetTimestamp();
                        _ = _store.CheckpointAsync(_turn.AssistantId, FullText);
                    }
                }
                next = updates.MoveNextAsync();
            }
            saved = beginning;
            await saved;
        }
        catch (Exception ex)
        {
            failure = ex;
            saved = beginning ?? _store.BeginAsync(_turn);
        }

        var outcome = AnswerOutcome.Classify((StopCause)Volatile.Read(ref _cause), failure, saved.IsFaulted, finish, usage);
        measure?.End(outcome);
        if (outcome.Error is { } error && failure is not null && outcome.Status == Conversations.MessageStatus.Error)
            // SDK exception messages carry no keys; the configured key never reaches the log.
            _logger.LogWarning("Answer {MessageId} from {Provider} failed ({Code}): {Type}: {Message}",
                MessageId, _turn.Model.Name, error.Code, failure.GetType().Name, failure.Message);

        try
        {
            await saved;
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "The answer {MessageId} could not be saved", MessageId);
        }
        try
        {
            await _store.FinishAsync(_turn, outcome, FullText);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Saving the end of answer {MessageId} failed", MessageId);
        }
        try
        {
            if (BeforeEnd is not null) await BeforeEnd();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Releasing the conversation of answer {MessageId} failed", MessageId);
        }
        lock (_gate)
        {
            _grace?.Dispose();
            _grace = null;
        }
        Log.Append(outcome.Event);
        return outcome;
    }

    private async Task BeginSoonAsync()
    {
        await Task.Delay(SaveAfter);
        await _store.BeginAsync(_turn);
    }

    /// <summary>All the answer's text: what it continues, then what this run wrote.</summary>
    public string FullText => _turn.ExistingText + Log.Text;

    public void Dispose()
    {
        lock (_gate) _grace?.Dispose();
        _cancel.Dispose();
    }
}
