using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Therese.Server.Llm;
using Therese.Server.Tools;
using Therese.Server.Llm.Local;
using Therese.Server.Llm.Reasoning;
using Therese.Server.Conversations;
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

    // Owned by the run's loop: the parts saved with the answer, and when the current reasoning and text began.
    private readonly AnswerParts _parts;
    private long _reasoningSince;
    private long _textSince;
    private long _lastCheckpoint;
    private AnswerMeasure? _measure;

    public AnswerRun(ChatTurn turn, IAnswerLog log, AnswerStore store, TimeProvider clock, ChatStreamOptions options, TimeSpan idleTimeout, ILogger logger)
    {
        _turn = turn;
        Log = log;
        _store = store;
        _clock = clock;
        _options = options;
        _idleTimeout = idleTimeout;
        _logger = logger;
        _parts = new AnswerParts(turn.ExistingParts);
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
            // A call waiting for the person's decision waits for them to come back, up to a limit.
            if (elsewhere || (!_waits.IsEmpty && _clock.GetElapsedTime(Volatile.Read(ref _askedAt)) < McpOptions.ApprovalWait))
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
        _lastCheckpoint = _clock.GetTimestamp();
        Exception? failure = null;
        ChatFinishReason? finish = null;
        Usage? usage = null;
        Usage? earlier = null;
        Task saved = Task.CompletedTask;
        Task? beginning = null;
        using var idle = _clock.CreateTimer(static s => ((AnswerRun)s!).Stop(StopCause.Idle), this, _idleTimeout, Timeout.InfiniteTimeSpan);
        _measure = Metrics?.Begin(_clock, _turn.Model.Name, _turn.Model.Settings.Model);
        var tools = _turn.Tools is { Offered.Count: > 0 } offered ? offered : null;
        try
        {
            var options = _turn.Options ?? new ChatOptions { MaxOutputTokens = _turn.Model.Settings.MaxTokens };
            if (tools is not null)
            {
                options = options.Clone();
                options.Tools = [.. tools.Offered.Select(t => t.Declaration)];
            }
            var history = _turn.History.ToList();
            // Each round sends the conversation so far: the model answers, or asks for tools whose results go back to it.
            for (var round = 0; ; round++)
            {
                var calls = new List<FunctionCallContent>();
                var said = new List<ChatResponseUpdate>();
                Usage? roundUsage = null;
                await using var updates = _turn.Model.Client!.GetStreamingResponseAsync(history, options, _cancel.Token).GetAsyncEnumerator(_cancel.Token);

                // Send the request first; the rows are written while the model thinks, a moment later, so that writing
                // never competes with a first token that comes at once (on two cores, a write next to it costs it a millisecond).
                var next = updates.MoveNextAsync();
                beginning ??= BeginSoonAsync();
                finish = null;
                while (await next)
                {
                    idle.Change(_idleTimeout, Timeout.InfiniteTimeSpan);
                    var update = updates.Current;
                    finish = update.FinishReason ?? finish;
                    if (tools is not null) said.Add(update);
                    foreach (var content in update.Contents)
                    {
                        switch (content)
                        {
                            case FunctionCallContent call:
                                calls.Add(call);
                                break;
                            case TextContent text when text.Text.Length > 0:
                                Write(text.Text);
                                break;
                            case TextReasoningContent reasoning:
                                Think(reasoning);
                                break;
                            case TextWasReasoningContent:
                                if (_parts.Writing) Append(new TextWasReasoningEvent(Elapsed(_textSince)));
                                break;
                            case UsageContent u:
                                roundUsage = new Usage((int)(u.Details.InputTokenCount ?? roundUsage?.InputTokens ?? 0),
                                    (int)(u.Details.OutputTokenCount ?? roundUsage?.OutputTokens ?? 0));
                                // Each round is billed: the answer's usage is all of them.
                                usage = earlier is null ? roundUsage
                                    : new Usage(earlier.InputTokens + roundUsage.InputTokens, earlier.OutputTokens + roundUsage.OutputTokens);
                                break;
                            case ModelLoadingContent:
                                Log.Append(new LoadingEvent());
                                break;
                        }
                    }
                    next = updates.MoveNextAsync();
                }
                if (tools is null || calls.Count == 0) break;
                earlier = usage;
                // The tools run on the person's time (an approval can wait): no idle timeout until the model is asked again.
                idle.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                await beginning!;
                var results = new List<AIContent>();
                foreach (var call in calls)
                    results.Add(round < McpOptions.MaxRounds
                        ? await RunToolAsync(call, tools)
                        : Refuse(call, tools, $"THÉRÈSE s’arrête après {McpOptions.MaxRounds} séries d’appels d’outils pour une même réponse."));
                if (round >= McpOptions.MaxRounds) break;
                // What the model said this round goes back as it was (Claude's signed thinking included), then the results.
                var response = said.ToChatResponse();
                history.Add(new ChatMessage(ChatRole.Assistant,
                    [.. response.Messages.SelectMany(m => m.Contents).Where(c => c is TextContent or TextReasoningContent or FunctionCallContent)]));
                history.Add(new ChatMessage(ChatRole.Tool, results));
                idle.Change(_idleTimeout, Timeout.InfiniteTimeSpan);
            }
            saved = beginning;
            await saved;
        }
        catch (Exception ex)
        {
            failure = ex;
            saved = beginning ?? _store.BeginAsync(_turn);
        }
        // Stopped, failed or done while thinking: the reasoning so far is kept, with how long it took.
        if (_parts.Reasoning) EndReasoning();
        _parts.CancelPendingTools();
        foreach (var wait in _waits.Values) wait.TrySetCanceled();

        var outcome = AnswerOutcome.Classify((StopCause)Volatile.Read(ref _cause), failure, saved.IsFaulted, finish, usage);
        if (_turn.SendsImages) outcome = outcome.ExplainImages(_turn.Model.Settings.Model);
        _measure?.End(outcome);
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
            await _store.FinishAsync(_turn, outcome, _parts.Build());
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

    // The tool calls of this answer (any thread may ask), and those waiting for the person's decision.
    private readonly ConcurrentDictionary<string, bool> _calls = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> _waits = new();
    private long _askedAt;

    public enum Decision
    {
        Decided,
        NotWaiting,
        Unknown,
    }

    /// <summary>The person allows or refuses a call that waits for them.</summary>
    public Decision Decide(string callId, bool approve)
    {
        if (_waits.TryRemove(callId, out var wait) && wait.TrySetResult(approve)) return Decision.Decided;
        return _calls.ContainsKey(callId) ? Decision.NotWaiting : Decision.Unknown;
    }

    /// <summary>
    /// One tool call: shown, maybe approved by the person, run, and its result shown and returned for the model. What goes
    /// wrong with the tool (unknown, refused, down, too slow) is a result the model is told, not a failure of the answer.
    /// </summary>
    private async Task<AIContent> RunToolAsync(FunctionCallContent call, AnswerTools tools)
    {
        var tool = tools.Find(call.Name);
        if (tool is null) return Refuse(call, tools, $"L’outil « {call.Name} » n’existe pas.");
        if (call.Exception is not null) return Refuse(call, tools, "Les arguments de l’appel ne sont pas un JSON valide.");
        Called(call, tool);
        if (tool.NeedsApproval && !_turn.CanAsk)
            return Refuse(call, tools, "Cet outil demande l’autorisation de la personne, qu’on ne peut pas lui demander ici (réponse d’un seul bloc). Réponds sans cet outil.");
        if (tool.NeedsApproval)
        {
            var wait = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _askedAt, _clock.GetTimestamp());
            _waits[call.CallId] = wait;
            // Saved before anyone hears of it: whoever has seen the request and reloads finds it waiting.
            var asking = new ToolApprovalEvent(call.CallId, tool.Description);
            _parts.Apply(asking);
            await _store.CheckpointAsync(_turn.AssistantId, _parts.Build());
            _lastCheckpoint = _clock.GetTimestamp();
            Log.Append(asking);
            var approved = await wait.Task.WaitAsync(_cancel.Token);
            Append(new ToolDecisionEvent(call.CallId, approved));
            if (!approved)
                return Result(call, new ToolCallResult(false, "Refusé par la personne.",
                    "La personne a refusé cet appel d’outil. Réponds sans cet outil."));
        }
        return Result(call, await tools.Servers.CallAsync(tool, call.Arguments, _cancel.Token));
    }

    private void Called(FunctionCallContent call, OfferedTool? tool)
    {
        if (_parts.Reasoning) EndReasoning();
        _calls[call.CallId] = true;
        Append(new ToolCallEvent(call.CallId, tool?.Server ?? "", tool?.Name ?? call.Name,
            JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions)));
    }

    /// <summary>A call that is not run: shown, and failed with the reason, which the model is told.</summary>
    private FunctionResultContent Refuse(FunctionCallContent call, AnswerTools tools, string reason)
    {
        Called(call, tools.Find(call.Name));
        return Result(call, ToolServers.Failed(reason));
    }

    /// <summary>Shows the result (cut at 20,000 characters) and gives it to the model, told when it was cut or failed.</summary>
    private FunctionResultContent Result(FunctionCallContent call, ToolCallResult result)
    {
        var text = result.Text;
        var forModel = text;
        if (text.Length > McpOptions.MaxResultChars)
        {
            text = text[..McpOptions.MaxResultChars];
            forModel = text + $"\n\n[Résultat tronqué par THÉRÈSE : {McpOptions.MaxResultChars} caractères sur {result.Text.Length}.]";
        }
        Append(new ToolResultEvent(call.CallId, result.Ok, result.Summary, text));
        return new FunctionResultContent(call.CallId, result.Ok ? forModel : "Erreur : " + forModel);
    }

    /// <summary>Answer text: it ends the reasoning in progress, if any.</summary>
    private void Write(string text)
    {
        if (_parts.Reasoning) EndReasoning();
        if (!_parts.Writing) _textSince = _clock.GetTimestamp();
        Append(new DeltaEvent(text));
        _measure?.Token();
        CheckpointIfDue();
    }

    /// <summary>
    /// Reasoning: its text streams live. A provider's signature (Anthropic signs each thinking block) closes the
    /// block it signs; signature data with no block open is a redacted block, with nothing to show.
    /// </summary>
    private void Think(TextReasoningContent reasoning)
    {
        if (reasoning.Text.Length > 0)
        {
            if (!_parts.Reasoning) _reasoningSince = _clock.GetTimestamp();
            Append(new ReasoningEvent(reasoning.Text));
            _measure?.Token();
        }
        if (reasoning.ProtectedData is { Length: > 0 } data)
        {
            var redacted = !_parts.Reasoning;
            if (redacted)
            {
                _reasoningSince = _clock.GetTimestamp();
                Append(new ReasoningEvent(""));
            }
            _parts.Sign(new ReasoningOrigin(_turn.Model.Name, data, redacted));
            EndReasoning();
        }
        CheckpointIfDue();
    }

    private void EndReasoning() => Append(new ReasoningEndEvent(Elapsed(_reasoningSince)));

    /// <summary>Logs the event for the followers, and folds it into the parts that are saved.</summary>
    private void Append(ChatEvent ev)
    {
        Log.Append(ev);
        _parts.Apply(ev);
    }

    private long Elapsed(long since) => (long)_clock.GetElapsedTime(since).TotalMilliseconds;

    private void CheckpointIfDue()
    {
        if (_clock.GetElapsedTime(_lastCheckpoint) < TimeSpan.FromSeconds(_options.CheckpointIntervalSeconds)) return;
        _lastCheckpoint = _clock.GetTimestamp();
        _ = _store.CheckpointAsync(_turn.AssistantId, _parts.Build());
    }

    private async Task BeginSoonAsync()
    {
        await Task.Delay(SaveAfter);
        await _store.BeginAsync(_turn);
    }

    /// <summary>All the answer's text: what it continues, then what this run wrote. Read it once the answer has ended.</summary>
    public string FullText => _parts.Text;

    public void Dispose()
    {
        lock (_gate) _grace?.Dispose();
        _cancel.Dispose();
    }
}
