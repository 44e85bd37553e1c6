using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Conversations;
using Therese.Server.Storage;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Llm;
using Therese.Server.Web;

namespace Therese.Server.Chat;

public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var chat = app.MapGroup("/api/chat").WithTags("Chat");
        chat.MapPost("/stream", Stream).WithName("StreamChat").WithSummary("Starts an answer and streams it over SSE.")
            .RequireRateLimiting(AccountsExtensions.MessagesPolicy);
        chat.MapGet("/stream/{messageId}", Follow).WithName("FollowAnswer")
            .WithSummary("Streams an answer's events after Last-Event-ID (or ?after=N), then the live rest.");
        chat.MapPost("/stream/{messageId}/tools/{callId}", DecideTool).WithName("DecideToolCall")
            .WithSummary("Allows or refuses a tool call that waits for the person.");
        chat.MapPost("/stream/{messageId}/stop", Stop).WithName("StopAnswer").WithSummary("Stops an answer and saves its partial text.");
        chat.MapPost("/message", Message).WithName("SendMessage").WithSummary("Answers a message in one piece.")
            .RequireRateLimiting(AccountsExtensions.MessagesPolicy);
        return app;
    }

    public sealed record MessageAnswer(string Content, string ConversationId, string MessageId);
    public sealed record StopAnswer(string MessageId, string Status);

    private static async Task<IResult> Stream(HttpContext http, [AsParameters] ChatServices s)
    {
        var (run, request, problem) = await StartAsync(http, s);
        if (run is null) return problem!;
        return EventStream(http, s, run.Log, afterId: 0, run.Follow(request!.Resumable));
    }

    private static async Task<IResult> Follow(string messageId, HttpContext http, [AsParameters] ChatServices s, CancellationToken ct)
    {
        if (AfterId(http.Request) is not { } after)
            return Problems.BadRequest("invalid_request", "Last-Event-ID (ou le paramètre after) doit être un nombre entier positif.");
        if (!await s.OwnsAnswerAsync(messageId, ct)) return UnknownAnswer;
        if (s.Registry.TryGet(messageId, out var run))
            return EventStream(http, s, run.Log, after, run.Follow(resumable: true));
        // Another instance writes it (or wrote it a moment ago): its log is shared.
        if (await s.State.FindLogAsync(messageId) is { } log)
            return EventStream(http, s, log, after, s.State.FollowElsewhere(messageId));

        // Ended and freed: replay the saved answer as a fresh start carrying all its text, then its end.
        var saved = await s.Store.FindAnswerAsync(messageId, ct);
        if (saved is null) return UnknownAnswer;
        var replay = new AnswerLog();
        replay.Append(StartEvent.From(saved.ConversationId, saved.Id, null, saved.AllParts()));
        replay.Append(EndOf(saved));
        return EventStream(http, s, new RenumberedLog(replay, after), after, follower: null);
    }

    private static async Task<IResult> Stop(string messageId, [AsParameters] ChatServices s, CancellationToken ct)
    {
        if (!await s.OwnsAnswerAsync(messageId, ct)) return UnknownAnswer;
        if (s.Registry.TryGet(messageId, out var run))
        {
            run.Stop(StopCause.User);
            var outcome = await run.Completion.WaitAsync(ct);
            return TypedResults.Ok(new StopAnswer(messageId, outcome.Status));
        }
        if (await s.State.RequestStopAsync(messageId))
        {
            // Another instance writes it: wait for its end to reach the shared log, as a Stop here waits for the run,
            // so that « Continuer » right after finds the conversation free.
            if (await s.State.FindLogAsync(messageId) is { } log && await EndStatusAsync(log, TimeSpan.FromSeconds(5), ct) is { } status)
                return TypedResults.Ok(new StopAnswer(messageId, status));
            return TypedResults.Accepted((string?)null, new StopAnswer(messageId, MessageStatus.Streaming));
        }
        var saved = await s.Store.FindAnswerAsync(messageId, ct);
        // Stopping an answer that has already ended is harmless.
        return saved is null ? UnknownAnswer : TypedResults.Ok(new StopAnswer(messageId, saved.Status));
    }

    public sealed record ToolDecision(bool? Approve);

    private static async Task<IResult> DecideTool(string messageId, string callId, HttpRequest http, [AsParameters] ChatServices s, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<ToolDecision>(http, s.Json.Value.SerializerOptions);
        if (body is null) return problem!;
        if (body.Approve is not { } approve) return Problems.BadRequest("invalid_request", "Le champ « approve » (true ou false) est obligatoire.");
        if (!await s.OwnsAnswerAsync(messageId, ct)) return UnknownAnswer;
        if (s.Registry.TryGet(messageId, out var run))
        {
            return run.Decide(callId, approve) switch
            {
                AnswerRun.Decision.Decided => TypedResults.NoContent(),
                AnswerRun.Decision.NotWaiting => ToolNotWaiting,
                _ => UnknownToolCall,
            };
        }
        // Another instance writes it: the decision goes there, and shows in the shared log once taken.
        if (await s.State.FindLogAsync(messageId) is { } log && await ToolCallIn(log, callId, ct) is { } decided)
        {
            if (decided) return ToolNotWaiting;
            if (!await s.State.RequestToolDecisionAsync(messageId, callId, approve)) return ToolNotWaiting;
            return await DecidedInAsync(log, callId, TimeSpan.FromSeconds(5), ct) ? TypedResults.NoContent() : TypedResults.Accepted((string?)null);
        }
        // Ended: a call it made was decided, or cancelled with it.
        var saved = await s.Store.FindAnswerAsync(messageId, ct);
        if (saved is null) return UnknownAnswer;
        return saved.AllParts().OfType<ToolPart>().Any(t => t.CallId == callId) ? ToolNotWaiting : UnknownToolCall;
    }

    /// <summary>Whether the log holds the call: null when it does not; otherwise whether it was decided or the answer ended.</summary>
    private static async Task<bool?> ToolCallIn(IAnswerLog log, string callId, CancellationToken ct)
    {
        var read = await log.ReadAfterAsync(0, coalesce: true, ct);
        if (!read.Events.Any(e => e.Event is ToolCallEvent call && call.CallId == callId)) return null;
        return read.Ended || read.Events.Any(e => e.Event is ToolDecisionEvent d && d.CallId == callId || e.Event is ToolResultEvent r && r.CallId == callId);
    }

    /// <summary>Waits for the decision to reach the log (taken by the instance that writes the answer).</summary>
    private static async Task<bool> DecidedInAsync(IAnswerLog log, string callId, TimeSpan timeout, CancellationToken ct)
    {
        using var changes = log.Subscribe();
        var deadline = DateTime.UtcNow + timeout;
        long cursor = 0;
        while (true)
        {
            var read = await log.ReadAfterAsync(cursor, coalesce: true, ct);
            if (read.Events.Any(e => e.Event is ToolDecisionEvent d && d.CallId == callId)) return true;
            if (read.Events.Count > 0) cursor = read.Events[^1].Id;
            var left = deadline - DateTime.UtcNow;
            if (read.Ended || left <= TimeSpan.Zero) return false;
            await changes.WaitAsync(cursor, left, ct);
        }
    }

    private static readonly IResult ToolNotWaiting = Problems.Create(StatusCodes.Status409Conflict, "tool_not_waiting",
        "Cet appel d’outil n’attend plus de décision : il a déjà été autorisé, refusé ou annulé.");

    private static readonly IResult UnknownToolCall = Problems.NotFound("Cet appel d’outil n’existe pas.");

    private static readonly IResult UnknownAnswer = Problems.NotFound("Cette réponse n’existe pas ou a été supprimée.");

    /// <summary>The status an answer ended with, read from its log's end event; null if it has not ended within <paramref name="timeout"/>.</summary>
    private static async Task<string?> EndStatusAsync(IAnswerLog log, TimeSpan timeout, CancellationToken ct)
    {
        using var changes = log.Subscribe();
        var deadline = DateTime.UtcNow + timeout;
        long cursor = 0;
        while (true)
        {
            var read = await log.ReadAfterAsync(cursor, coalesce: true, ct);
            if (read.Events.Count > 0) cursor = read.Events[^1].Id;
            if (read.Ended)
                return read.Events[^1].Event switch
                {
                    DoneEvent { StopReason: "user_stopped" } => MessageStatus.Stopped,
                    DoneEvent => MessageStatus.Complete,
                    ErrorEvent { Error.Code: "interrupted" } => MessageStatus.Interrupted,
                    _ => MessageStatus.Error,
                };
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            await changes.WaitAsync(cursor, left, ct);
        }
    }

    private static async Task<IResult> Message(HttpContext http, [AsParameters] ChatServices s)
    {
        var (run, _, problem) = await StartAsync(http, s, canAsk: false);
        if (run is null) return problem!;
        using (run.Follow(resumable: false))
        {
            try
            {
                var outcome = await run.Completion.WaitAsync(http.RequestAborted);
                if (outcome.Error is { } error) return Problems.From(error);
                return TypedResults.Ok(new MessageAnswer(run.FullText, run.ConversationId, run.MessageId));
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                return Results.Empty;
            }
        }
    }

    /// <summary>Validates the message, takes a slot, reserves the conversation, plans the turn and starts the answer.</summary>
    private static async Task<(AnswerRun? Run, ChatRequest? Request, IResult? Problem)> StartAsync(HttpContext http, ChatServices s, bool canAsk = true)
    {
        var model = s.Models.Current;
        if (!model.IsConfigured) return (null, null, Problems.From(ProviderError.NotConfigured));
        var limits = s.Limits.Value;
        var (request, problem) = await ChatRequest.ReadAsync(http.Request, s.Json.Value.SerializerOptions, limits.MaxMessageLength,
            s.Attachments.Value.MaxPerMessage);
        if (request is null) return (null, null, problem);

        // Team mode: someone else's conversation does not exist for this person (404), before anything is reserved.
        if (s.User.OwnerId is { } owner && request.ConversationId is { Length: > 0 } asked && !await s.OwnsConversationAsync(asked, http.RequestAborted))
            return (null, null, Refused(TurnRefusal.NotFound));
        if (await s.Usage.BudgetSpentAsync(s.User, http.RequestAborted))
            return (null, null, Refused(TurnRefusal.BudgetExhausted));

        // Limits count per person in team mode, per address otherwise. The slot is asked for while the conversation
        // is reserved (with Redis, one round trip for both), and both are given back if the answer does not start.
        var taking = s.Registry.TryTakeSlotAsync(s.User.OwnerId ?? http.Connection.RemoteIpAddress?.ToString() ?? "local").AsTask();
        ConversationLock? held = null;
        AnswerRun? run = null;
        try
        {
            if (request.ConversationId is { Length: > 0 } conversationId && (held = await s.Registry.LockAsync(conversationId, http.RequestAborted)) is null)
                return (null, null, Refused(TurnRefusal.Busy));
            var (turn, refusal) = await s.Planner.PlanAsync(request, model, s.User.OwnerId, http.RequestAborted);
            if (turn is null) return (null, null, Refused(refusal!));
            // A new conversation is reserved too (nobody else knows its id yet, so this does not fail).
            var reserving = held is null ? s.Registry.TryLockAsync(turn.ConversationId) : ValueTask.FromResult<ConversationLock?>(held);
            // Both are in flight: whichever fails, the finally below gives back what the other took.
            held = await reserving;
            var slot = await taking;
            if (slot is null) return (null, null, TooManyStreams(http, limits));
            if (held is null) return (null, null, Refused(TurnRefusal.Busy));
            run = s.Registry.Start(canAsk ? turn : turn with { CanAsk = false }, held, slot);
            return (run, request, null);
        }
        finally
        {
            // Not started (refused, or a store or Redis failed): nothing stays taken.
            if (run is null)
            {
                held?.Release();
                (await TakenAnywayAsync(taking))?.Dispose();
            }
        }
    }

    /// <summary>The slot of an answer that did not start, once its request has settled (null if none was taken).</summary>
    private static async Task<AnswerSlot?> TakenAnywayAsync(Task<AnswerSlot?> taking)
    {
        try
        {
            return await taking;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static IResult TooManyStreams(HttpContext http, LimitsOptions limits)
    {
        http.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_streams",
            "Trop de réponses sont en cours d’écriture en même temps. Attendez qu’une réponse se termine, puis réessayez.");
    }

    private static IResult Refused(TurnRefusal refusal) => Problems.Create(refusal.Status, refusal.Code, refusal.Message);

    private static IResult EventStream(HttpContext http, ChatServices s, IAnswerLog log, long afterId, IDisposable? follower)
    {
        // No proxy may buffer or transform the stream, and nothing may compress it.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Response.OnStarting(() =>
        {
            http.Response.Headers.CacheControl = "no-cache, no-transform";
            http.Response.Headers.ContentEncoding = "identity";
            return Task.CompletedTask;
        });
        var ping = TimeSpan.FromSeconds(s.Options.Value.PingIntervalSeconds);
        return TypedResults.ServerSentEvents(FollowAsync(log, afterId, follower, s.Json.Value.SerializerOptions, ping, http.RequestAborted));
    }

    /// <summary>
    /// Replays the log after <paramref name="afterId"/>, then follows it live until its end, then
    /// <c>data: [DONE]</c>. Ids continue the answer's sequence: no gap, no duplicate.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<string>> FollowAsync(
        IAnswerLog log, long afterId, IDisposable? follower, JsonSerializerOptions json, TimeSpan ping, [EnumeratorCancellation] CancellationToken ct)
    {
        using var _ = follower;
        using var changes = log.Subscribe();
        var cursor = afterId;
        // What the follower missed comes coalesced; then one delta per token, as the model writes them.
        var replay = true;
        while (true)
        {
            var read = await log.ReadAfterAsync(cursor, replay, ct);
            replay = false;
            foreach (var e in read.Events)
            {
                cursor = e.Id;
                yield return new SseItem<string>(JsonSerializer.Serialize(e.Event, json)) { EventId = e.Id.ToString(CultureInfo.InvariantCulture) };
            }
            if (read.Ended) break;
            if (!await changes.WaitAsync(cursor, ping, ct))
                yield return new SseItem<string>(JsonSerializer.Serialize<ChatEvent>(PingEvent.Instance, json));
        }
        yield return new SseItem<string>("[DONE]");
    }

    private static long? AfterId(HttpRequest request)
    {
        var raw = request.Headers["Last-Event-ID"].ToString();
        if (string.IsNullOrEmpty(raw)) raw = request.Query["after"].ToString();
        if (string.IsNullOrEmpty(raw)) return 0;
        return long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var after) ? after : null;
    }

    /// <summary>The end of a saved answer as its followers would have received it.</summary>
    private static ChatEvent EndOf(Message saved)
    {
        var usage = new Usage(saved.InputTokens ?? 0, saved.OutputTokens ?? 0);
        return saved.Status switch
        {
            MessageStatus.Complete => new DoneEvent(saved.StopReason ?? "end_turn", usage),
            MessageStatus.Stopped => new DoneEvent("user_stopped", usage),
            MessageStatus.Interrupted => ErrorEvent.From(ProviderError.ShuttingDown),
            // Streaming with nobody writing it: the process that wrote it is gone.
            MessageStatus.Streaming => ErrorEvent.From(ProviderError.ShuttingDown),
            _ => ErrorEvent.From(ProviderError.ByCode(saved.StopReason)),
        };
    }

    /// <summary>A replay from the database numbers its events after the follower's cursor, so ids only grow.</summary>
    private sealed class RenumberedLog(AnswerLog inner, long after) : IAnswerLog
    {
        public long Append(ChatEvent ev) => throw new NotSupportedException();
        public long LastId => inner.LastId + after;
        public ILogSubscription Subscribe() => new Always();

        private sealed class Always : ILogSubscription
        {
            public ValueTask<bool> WaitAsync(long afterId, TimeSpan timeout, CancellationToken ct) => new(true);
            public void Dispose() { }
        }

        public LogRead ReadAfter(long afterId, bool coalesce = false)
        {
            var read = inner.ReadAfter(Math.Max(0, afterId - after), coalesce);
            return read with { Events = [.. read.Events.Select(e => e with { Id = e.Id + after })] };
        }
    }

    /// <summary>What the chat endpoints use, resolved once per request.</summary>
    public sealed record ChatServices(
        ChatModels Models, TurnPlanner Planner, AnswerRegistry Registry, AnswerStore Store, IStreamState State,
        IOptions<JsonOptions> Json, IOptions<ChatStreamOptions> Options, IOptions<LimitsOptions> Limits,
        CurrentUser User, UsageLedger Usage, IDbContextFactory<ThereseDb> Dbs, IOptions<Attachments.AttachmentsOptions> Attachments)
    {
        /// <summary>Team mode: the conversation is this person's. Personal mode: it exists (or will).</summary>
        public async Task<bool> OwnsConversationAsync(string conversationId, CancellationToken ct)
        {
            if (User.OwnerId is null) return true;
            await using var db = await Dbs.CreateDbContextAsync(ct);
            return await ConversationsApi.OwnsAsync(db, conversationId, User, ct);
        }

        /// <summary>Team mode: the answer is in one of this person's conversations (someone else's is "not found").</summary>
        public async Task<bool> OwnsAnswerAsync(string messageId, CancellationToken ct)
        {
            if (User.OwnerId is null) return true;
            await using var db = await Dbs.CreateDbContextAsync(ct);
            if (await db.Messages.AnyAsync(m => m.Id == messageId
                && db.Conversations.Any(c => c.Id == m.ConversationId && c.OwnerId == User.OwnerId), ct)) return true;
            // Its rows are written a moment after it starts: an answer being written counts against its person.
            return await State.ClientOfAsync(messageId) == User.OwnerId;
        }
    }
}
