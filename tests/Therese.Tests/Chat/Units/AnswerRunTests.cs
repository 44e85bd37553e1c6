using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Therese.Server.Chat;
using Therese.Server.Conversations;
using Therese.Server.Llm;
using Therese.Server.Settings;
using Therese.Server.Storage;

namespace Therese.Tests.Chat.Units;

/// <summary>The answer's run on its own: a scripted chat client, a fake clock, a real SQLite file, no HTTP.</summary>
public sealed class AnswerRunTests : IAsyncLifetime
{
    private SqliteTestDatabase _database = null!;
    private readonly FakeTimeProvider _clock = new();
    private IDbContextFactory<ThereseDb> _dbs = null!;
    private MessageWriter _writer = null!;
    private AnswerStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        _dbs = _database.Dbs;
        _writer = new MessageWriter(_dbs, NullLogger<MessageWriter>.Instance);
        await _writer.StartAsync(CancellationToken.None);
        _store = new AnswerStore(_dbs, _writer, new Therese.Server.Accounts.UsageLedger(_dbs, _clock), _clock);
    }

    public async Task DisposeAsync()
    {
        await _writer.StopAsync(CancellationToken.None);
        _database.Delete();
    }

    /// <summary>A chat client the test drives update by update.</summary>
    private sealed class ScriptedClient : IChatClient
    {
        public Channel<ChatResponseUpdate> Updates { get; } = Channel.CreateUnbounded<ChatResponseUpdate>();
        public CancellationToken Token { get; private set; }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Token = cancellationToken;
            await foreach (var update in Updates.Reader.ReadAllAsync(cancellationToken)) yield return update;
        }

        public void Say(string text) => Updates.Writer.TryWrite(new ChatResponseUpdate(ChatRole.Assistant, text));

        public void Send(params AIContent[] contents) => Updates.Writer.TryWrite(new ChatResponseUpdate(ChatRole.Assistant, contents));

        public void End(ChatFinishReason finish)
        {
            Updates.Writer.TryWrite(new ChatResponseUpdate
            {
                FinishReason = finish,
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = 12, OutputTokenCount = 3 })],
            });
            Updates.Writer.TryComplete();
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

    private static readonly ChatStreamOptions Options = new() { ResumeGraceSeconds = 30, CheckpointIntervalSeconds = 1 };
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(10);

    private AnswerRun Run(ScriptedClient client, string? question = "Bonjour ?") => NotStarted(client, question).Start();

    private AnswerRun NotStarted(ScriptedClient client, string? question = "Bonjour ?")
    {
        var model = new ActiveModel(new ResolvedSettings { Provider = Providers.Anthropic, ApiKey = "k", Model = "m" }, client);
        var conversationId = Ids.New();
        var turn = new ChatTurn
        {
            ConversationId = conversationId,
            NewConversationTitle = "Test",
            Model = model,
            UserMessage = new Message { Id = Ids.New(), ConversationId = conversationId, Role = Roles.User, Content = question!, Status = MessageStatus.Complete },
            AssistantId = Ids.New(),
            History = [new ChatMessage(ChatRole.User, question)],
        };
        return new AnswerRun(turn, new AnswerLog(), _store, _clock, Options, IdleTimeout, NullLogger.Instance);
    }

    [Fact]
    public async Task A_run_listed_but_not_yet_started_can_be_looked_at_and_stopped()
    {
        // The registry lists a run before starting it: a parallel send into the same conversation looks at it then.
        var client = new ScriptedClient();
        var run = NotStarted(client);
        Assert.False(run.Ended);
        Assert.False(run.Ending);
        Assert.False(run.Completion.IsCompleted);

        run.Stop(StopCause.User);
        Assert.True(run.Ending);
        run.Start();
        var outcome = await run.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(MessageStatus.Stopped, outcome.Status);
    }

    private async Task<Message> Saved(AnswerRun run)
    {
        await using var db = await _dbs.CreateDbContextAsync();
        return await db.Messages.SingleAsync(m => m.Id == run.MessageId);
    }

    [Fact]
    public async Task A_complete_answer_logs_start_each_token_and_done_and_is_saved_complete()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        client.Say("Bon");
        client.Say("jour");
        client.Say(" !");
        client.End(ChatFinishReason.Stop);
        var outcome = await run.Completion;

        Assert.Equal(new AnswerOutcome(MessageStatus.Complete, "end_turn", null, new Usage(12, 3)), outcome);
        var log = run.Log.ReadAfter(0).Events;
        Assert.Equal([1L, 2, 3, 4, 5], log.Select(e => e.Id));
        Assert.IsType<StartEvent>(log[0].Event);
        Assert.Equal(["Bon", "jour", " !"], log.Skip(1).Take(3).Select(e => ((DeltaEvent)e.Event).Content));
        Assert.Equal(new DoneEvent("end_turn", new Usage(12, 3)), log[4].Event);

        var saved = await Saved(run);
        Assert.Equal((MessageStatus.Complete, "Bonjour !", 12, 3), (saved.Status, saved.Content, saved.InputTokens, saved.OutputTokens));
    }

    [Fact]
    public async Task Stop_cancels_the_provider_call_and_keeps_the_partial_text_as_stopped()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        client.Say("Début");
        await WaitForLog(run, 2);

        Assert.True(run.Stop(StopCause.User));
        Assert.False(run.Stop(StopCause.Shutdown), "the first cause wins");
        var outcome = await run.Completion;
        Assert.True(client.Token.IsCancellationRequested);
        Assert.Equal((MessageStatus.Stopped, "user_stopped"), (outcome.Status, outcome.StopReason));
        Assert.Equal(new DoneEvent("user_stopped", new Usage(0, 0)), run.Log.ReadAfter(2).Events.Single().Event);
        Assert.Equal((MessageStatus.Stopped, "Début"), ((await Saved(run)).Status, (await Saved(run)).Content));
    }

    [Fact]
    public async Task Reasoning_streams_live_ends_when_the_answer_begins_and_is_saved_as_a_part_with_its_duration()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        client.Send(new TextReasoningContent("Je pèse "));
        await WaitForLog(run, 2);
        client.Send(new TextReasoningContent("le pour et le contre."));
        await WaitForLog(run, 3);
        _clock.Advance(TimeSpan.FromSeconds(12));
        // Anthropic signs the block once it is written: the signature closes it.
        client.Send(new TextReasoningContent("") { ProtectedData = "sig-1" });
        client.Say("Voici ");
        client.Say("ma réponse.");
        client.End(ChatFinishReason.Stop);
        await run.Completion;

        var events = run.Log.ReadAfter(0).Events.Select(e => e.Event).ToList();
        Assert.Equal(["start", "reasoning", "reasoning", "reasoning_end", "delta", "delta", "done"], events.Select(TypeOf));
        Assert.Equal(new ReasoningEndEvent(12_000), events[3]);
        // A replay coalesces each run of deltas, reasoning and text alike.
        Assert.Equal([new ReasoningEvent("Je pèse le pour et le contre."), new ReasoningEndEvent(12_000), new DeltaEvent("Voici ma réponse.")],
            run.Log.ReadAfter(1, coalesce: true).Events.Select(e => e.Event).Take(3));

        var saved = await Saved(run);
        Assert.Equal("Voici ma réponse.", saved.Content);
        var reasoning = Assert.IsType<ReasoningPart>(saved.Parts![0]);
        Assert.Equal(("Je pèse le pour et le contre.", 12_000L), (reasoning.Text, reasoning.DurationMs!.Value));
        Assert.Equal(new ReasoningOrigin(Providers.Anthropic, "sig-1"), reasoning.Origin);
        Assert.Equal(new TextPart("Voici ma réponse."), saved.Parts[1]);
        // Folding the events, as a follower does, gives what was saved (without what only the server keeps).
        Assert.Equal(saved.Parts.Select(p => p is ReasoningPart r ? r with { Origin = null } : p), AnswerParts.Fold(events));
    }

    [Fact]
    public async Task Stop_during_reasoning_keeps_what_was_thought_with_how_long_it_took()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        client.Send(new TextReasoningContent("Première idée…"));
        await WaitForLog(run, 2);
        _clock.Advance(TimeSpan.FromMilliseconds(2500));
        run.Stop(StopCause.User);
        Assert.Equal(MessageStatus.Stopped, (await run.Completion).Status);

        Assert.Equal(["start", "reasoning", "reasoning_end", "done"], run.Log.ReadAfter(0).Events.Select(e => TypeOf(e.Event)));
        var saved = await Saved(run);
        Assert.Equal("", saved.Content);
        Assert.Equal(new ReasoningPart("Première idée…", 2500), Assert.Single(saved.Parts!));
    }

    [Fact]
    public async Task A_redacted_block_is_a_reasoning_part_of_its_own_with_its_data_and_nothing_to_show()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        client.Send(new TextReasoningContent("") { ProtectedData = "chiffré" });
        client.Say("Réponse.");
        client.End(ChatFinishReason.Stop);
        await run.Completion;
        var saved = await Saved(run);
        var redacted = Assert.IsType<ReasoningPart>(saved.Parts![0]);
        Assert.Equal(("", new ReasoningOrigin(Providers.Anthropic, "chiffré", Redacted: true)), (redacted.Text, redacted.Origin));
        Assert.Equal("Réponse.", saved.Content);
    }

    [Fact]
    public async Task Text_that_turns_out_to_be_reasoning_becomes_a_reasoning_part_and_the_answer_follows()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        client.Say("Réfléchissons ");
        await WaitForLog(run, 2);
        _clock.Advance(TimeSpan.FromSeconds(3));
        client.Send(new TextContent("un peu."), new Therese.Server.Llm.Reasoning.TextWasReasoningContent(), new TextContent("Bonjour !"));
        client.End(ChatFinishReason.Stop);
        await run.Completion;

        var events = run.Log.ReadAfter(0).Events.Select(e => e.Event).ToList();
        Assert.Equal(["start", "delta", "delta", "text_was_reasoning", "delta", "done"], events.Select(TypeOf));
        Assert.Equal(new TextWasReasoningEvent(3000), events[3]);
        var saved = await Saved(run);
        Assert.Equal("Bonjour !", saved.Content);
        Assert.Equal([new ReasoningPart("Réfléchissons un peu.", 3000), new TextPart("Bonjour !")], saved.Parts!);
        Assert.Equal(saved.Parts, AnswerParts.Fold(events));
    }

    private static string TypeOf(ChatEvent ev) => System.Text.Json.JsonSerializer.SerializeToElement(ev).GetProperty("type").GetString()!;

    [Fact]
    public async Task No_token_for_the_idle_timeout_ends_the_answer_with_timeout()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        client.Say("Un mot");
        await WaitForLog(run, 2);
        _clock.Advance(IdleTimeout + TimeSpan.FromSeconds(1));
        var outcome = await run.Completion;
        Assert.Equal((MessageStatus.Error, "timeout"), (outcome.Status, outcome.StopReason));
        Assert.IsType<ErrorEvent>(run.Log.ReadAfter(2).Events.Single().Event);
    }

    [Fact]
    public async Task A_resumable_answer_waits_for_its_followers_and_ends_interrupted_when_none_comes_back()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        var follower = run.Follow(resumable: true);
        client.Say("Texte");
        await WaitForLog(run, 2);

        // Leaving and coming back within the grace period changes nothing.
        follower.Dispose();
        _clock.Advance(TimeSpan.FromSeconds(20));
        var back = run.Follow(resumable: true);
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.False(run.Completion.IsCompleted);

        back.Dispose();
        _clock.Advance(TimeSpan.FromSeconds(31));
        var outcome = await run.Completion;
        Assert.Equal((MessageStatus.Interrupted, "interrupted"), (outcome.Status, outcome.StopReason));
        Assert.Equal("Texte", (await Saved(run)).Content);
    }

    [Fact]
    public async Task A_non_resumable_follower_leaving_stops_the_answer()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        var follower = run.Follow(resumable: false);
        client.Say("Bref");
        await WaitForLog(run, 2);
        follower.Dispose();
        Assert.Equal(MessageStatus.Stopped, (await run.Completion).Status);
    }

    [Fact]
    public async Task A_stream_that_ends_without_a_finish_reason_is_an_error_with_its_text_kept()
    {
        var client = new ScriptedClient();
        var run = Run(client);
        client.Say("Coupé");
        client.Updates.Writer.TryComplete();
        var outcome = await run.Completion;
        Assert.Equal((MessageStatus.Error, "upstream"), (outcome.Status, outcome.StopReason));
        Assert.Equal("Coupé", (await Saved(run)).Content);
    }

    private static async Task WaitForLog(AnswerRun run, long id)
    {
        while (!await run.Log.WaitAsync(id - 1, TimeSpan.FromSeconds(5), CancellationToken.None)) { }
    }
}

public sealed class AnswerOutcomeTests
{
    public static TheoryData<StopCause, Exception?, bool, string?, string, string> Cases => new()
    {
        { StopCause.None, null, false, "stop", MessageStatus.Complete, "end_turn" },
        { StopCause.None, null, false, "length", MessageStatus.Complete, "max_tokens" },
        { StopCause.None, null, false, null, MessageStatus.Error, "upstream" },
        { StopCause.None, new IOException("reset"), false, null, MessageStatus.Error, "upstream" },
        { StopCause.None, new HttpRequestException("refused", null, System.Net.HttpStatusCode.Unauthorized), false, null, MessageStatus.Error, "auth" },
        { StopCause.None, new InvalidOperationException("disk"), true, null, MessageStatus.Error, "storage" },
        { StopCause.User, new OperationCanceledException(), false, null, MessageStatus.Stopped, "user_stopped" },
        { StopCause.User, new IOException("cancelled read"), false, "stop", MessageStatus.Stopped, "user_stopped" },
        { StopCause.Abandoned, new OperationCanceledException(), false, null, MessageStatus.Interrupted, "interrupted" },
        { StopCause.Shutdown, new TaskCanceledException(), false, null, MessageStatus.Interrupted, "interrupted" },
        { StopCause.Idle, new OperationCanceledException(), false, null, MessageStatus.Error, "timeout" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_cause_decides_first_then_the_failure_then_the_finish_reason(
        StopCause cause, Exception? failure, bool storageFailed, string? finish, string status, string stopReason)
    {
        var outcome = AnswerOutcome.Classify(cause, failure, storageFailed, finish is null ? null : new ChatFinishReason(finish), null);
        Assert.Equal((status, stopReason), (outcome.Status, outcome.StopReason));
        Assert.Equal(status is MessageStatus.Complete or MessageStatus.Stopped, outcome.Error is null);
        if (outcome.Error is { } error) Assert.Equal(stopReason, error.Code);
    }
}

public sealed class AnswerLogTests
{
    [Fact]
    public void A_replay_coalesces_the_missed_deltas_and_live_reads_keep_one_per_token()
    {
        var log = new AnswerLog();
        log.Append(new StartEvent("c", "m", null, ""));
        foreach (var t in new[] { "Un", " deux", " trois", " quatre" }) log.Append(new DeltaEvent(t));

        var replay = log.ReadAfter(2, coalesce: true).Events;
        Assert.Equal(new LoggedEvent(5, new DeltaEvent(" deux trois quatre")), replay.Single());
        Assert.Equal([3L, 4, 5], log.ReadAfter(2).Events.Select(e => e.Id));
        Assert.Equal(" trois", ((DeltaEvent)log.ReadAfter(3).Events[0].Event).Content);
        Assert.Empty(log.ReadAfter(5).Events);

        log.Append(new DoneEvent("end_turn", new Usage(1, 4)));
        var end = log.ReadAfter(5);
        Assert.True(end.Ended);
        Assert.Equal(6, end.Events.Single().Id);
        Assert.Equal("Un deux trois quatre", MessageParts.TextOf(AnswerParts.Fold(log.ReadAfter(0).Events.Select(e => e.Event))));
        Assert.Throws<InvalidOperationException>(() => log.Append(new DeltaEvent("trop tard")));
    }

    [Fact]
    public async Task A_waiting_follower_wakes_on_the_next_event_and_times_out_without_one()
    {
        var log = new AnswerLog();
        log.Append(new StartEvent("c", "m", null, ""));
        Assert.False(await log.WaitAsync(1, TimeSpan.FromMilliseconds(20), CancellationToken.None));
        var waiting = log.WaitAsync(1, TimeSpan.FromSeconds(5), CancellationToken.None);
        log.Append(new DeltaEvent("x"));
        Assert.True(await waiting);
    }

    [Fact]
    public async Task One_subscription_serves_every_wait_of_a_follower_and_wakes_it_on_the_appending_thread()
    {
        var log = new AnswerLog();
        log.Append(new StartEvent("c", "m", null, ""));
        using var subscription = log.Subscribe();
        for (var id = 1; id <= 5; id++)
        {
            var waiting = subscription.WaitAsync(id, TimeSpan.FromSeconds(5), CancellationToken.None);
            Assert.False(waiting.IsCompleted);
            log.Append(new DeltaEvent($"mot {id}"));
            // Completed by the append itself: the follower's continuation can run right there, no thread hop.
            Assert.True(waiting.IsCompleted);
            Assert.True(await waiting);
        }
        Assert.False(await subscription.WaitAsync(6, TimeSpan.FromMilliseconds(20), CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_follower_stops_waiting()
    {
        var log = new AnswerLog();
        log.Append(new StartEvent("c", "m", null, ""));
        using var subscription = log.Subscribe();
        using var cts = new CancellationTokenSource();
        var waiting = subscription.WaitAsync(1, TimeSpan.FromSeconds(30), cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
    }
}
