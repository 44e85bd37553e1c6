using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Therese.FakeLlm;
using Therese.Server.Chat;
using Xunit.Abstractions;

namespace Therese.Tests.Chat;

/// <summary>
/// An answer outlives its connection: followers replay it after their last event id, then follow it
/// live; Stop stops it for everyone; nobody coming back ends it as interrupted.
/// </summary>
public sealed class ResumableStreamTests(ITestOutputHelper output) : ServerTest
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Stream:ResumeGraceSeconds"] = "0.5",
        ["Therese:Stream:ReplayWindowSeconds"] = "30",
        ["Therese:Llm:MaxTokens"] = "16000",
    };

    private Task<ChatStreamReader> Start(object script, string? conversationId = null, bool resumable = true) =>
        ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(script), conversation_id = conversationId, resumable });

    /// <summary>What a client shows from the events it kept: start's text, then each delta (a start resets it).</summary>
    private static string Shown(IEnumerable<ReceivedEvent> events)
    {
        var text = "";
        foreach (var e in events.Where(e => !e.IsDoneMarker))
        {
            if (e.Type == "start") text = e.Content;
            else if (e.Type == "delta") text += e.Content;
        }
        return text;
    }

    [Fact]
    public async Task Fifty_drops_at_random_points_each_resumed_give_the_whole_answer_with_no_duplicate_id()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var drops = 0;
        for (var answer = 0; drops < 50; answer++)
        {
            const int tokens = 120;
            var kept = new List<ReceivedEvent>();
            var stream = await Start(new { tokens, tps = 300, ttft_ms = 0 });
            string? messageId = null;
            while (true)
            {
                // Read a random number of events, then drop the connection (unless the answer ended first).
                var reads = random.Next(1, 12);
                var ended = false;
                for (var i = 0; i < reads && !ended; i++)
                {
                    if (await stream.NextAsync() is not { } e) { ended = true; break; }
                    if (e.IsDoneMarker) { ended = true; break; }
                    kept.Add(e);
                    messageId ??= e.Type == "start" ? e.Json.GetProperty("message_id").GetString() : null;
                }
                if (ended) break;
                var last = kept.Count == 0 ? 0 : kept[^1].NumericId;
                await stream.DisposeAsync();
                drops++;
                stream = await ChatStreamReader.FollowAsync(Http, messageId!, last);
            }
            await stream.DisposeAsync();

            var ids = kept.Select(e => e.NumericId).ToList();
            Assert.Equal(ids.Distinct().Count(), ids.Count);
            Assert.Equal(ids.Order(), ids);
            Assert.Equal(FakeText.Text(tokens), Shown(kept));
            Assert.Equal("done", kept[^1].Type);
            Assert.Equal("end_turn", kept[^1].Json.GetProperty("stop_reason").GetString());
            output.WriteLine($"answer {answer}: {kept.Count} events, {drops} drops so far");
        }
        // Dropping a resumable stream never stops the model.
        Assert.All(Host.Fake.Requests, r => Assert.Equal("completed", r.Outcome));
    }

    [Fact]
    public async Task A_follower_that_reconnects_mid_answer_gets_the_missed_text_at_once_then_the_live_rest()
    {
        await using var first = await Start(new { tokens = 60, tps = 30, ttft_ms = 0 });
        for (var i = 0; i < 6; i++) await first.NextOfTypeAsync("delta");
        var messageId = first.MessageId!;
        var seen = first.LastEventId;
        await first.DisposeAsync();
        // Reconnect once the answer has logged a few more deltas (not after a fixed time a loaded machine may not keep up with).
        Assert.True(Host.Services.GetRequiredService<AnswerRegistry>().TryGet(messageId, out var run));
        while (run.Log.LastId <= seen + 2)
            Assert.True(await run.Log.WaitAsync(run.Log.LastId, TimeSpan.FromSeconds(10), CancellationToken.None), "the answer logged nothing more after the drop");

        await using var resumed = await ChatStreamReader.FollowAsync(Http, messageId, seen);
        var catchUp = await resumed.NextAsync();
        Assert.Equal("delta", catchUp!.Type);
        Assert.True(catchUp.NumericId > seen + 1, $"the missed deltas come as one event carrying the last one's id (seen {seen}, logged {run.Log.LastId}, caught up to {catchUp.NumericId})");
        var events = await resumed.ReadToEndAsync();
        Assert.Equal(FakeText.Text(60), first.Text + resumed.Text);
        Assert.True(events.Count(e => e.Type == "delta") > 5, "the live rest comes one delta per token");
        Assert.Equal("completed", Host.Fake.Requests.Single().Outcome);
    }

    [Fact]
    public async Task When_nobody_comes_back_within_the_grace_period_the_answer_is_interrupted_and_the_provider_closed()
    {
        var stream = await Start(new { tokens = 2000, tps = 20, ttft_ms = 0 });
        await stream.NextOfTypeAsync("delta");
        var conversationId = stream.ConversationId!;
        var seen = stream.Text;
        var droppedAt = DateTimeOffset.UtcNow;
        await stream.DisposeAsync();

        var request = await Host.Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        var after = request.DisconnectedAt!.Value - droppedAt;
        output.WriteLine($"provider closed {after.TotalMilliseconds:F0} ms after the drop (grace 500 ms)");
        // Not before the grace period (a slow machine only makes it later; 100 ms of margin for the wall clock's steps).
        Assert.True(after.TotalMilliseconds >= 400, $"the provider was closed {after.TotalMilliseconds:F0} ms after the drop, within the 500 ms grace period");
        Assert.Equal("client_disconnected", request.Outcome);

        var saved = await WaitForSavedStatus(conversationId, "interrupted");
        Assert.StartsWith(seen, saved.GetProperty("content").GetString());
        Assert.True(saved.GetProperty("content").GetString()!.Length > seen.Length, "what was generated meanwhile is saved too");
    }

    [Fact]
    public async Task Stop_reaches_every_follower_and_closes_the_provider()
    {
        await using var first = await Start(new { tokens = 2000, tps = 40, ttft_ms = 0 });
        await first.NextOfTypeAsync("delta");
        var messageId = first.MessageId!;
        await using var second = await ChatStreamReader.FollowAsync(Http, messageId);
        await second.NextOfTypeAsync("delta");

        using var stop = await Http.PostAsync($"/api/chat/stream/{messageId}/stop", null);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal("stopped", JsonDocument.Parse(await stop.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        // Closed, long before the provider's end (how soon: the benchmark's section 3).
        var request = await Host.Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        Assert.Equal("client_disconnected", request.Outcome);
        Assert.True(request.TokensSent < 2000);

        foreach (var follower in new[] { first, second })
        {
            var events = await follower.ReadToEndAsync();
            Assert.True(events[^1].IsDoneMarker);
            Assert.Equal("done", events[^2].Type);
            Assert.Equal("user_stopped", events[^2].Json.GetProperty("stop_reason").GetString());
        }
        var saved = LastAnswer(await GetConversation(first.ConversationId!));
        Assert.Equal("stopped", saved.GetProperty("status").GetString());
        Assert.StartsWith(first.Text, saved.GetProperty("content").GetString());

        // Stopping again, once it has ended, is harmless.
        using var again = await Http.PostAsync($"/api/chat/stream/{messageId}/stop", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Reconnecting_after_the_end_replays_the_answer_then_its_end()
    {
        await using var stream = await Start(new { text = "Une réponse déjà terminée, « entière ».", tps = 0 });
        await stream.ReadToEndAsync();
        var messageId = stream.MessageId!;

        // From the log (still in its replay window): only what comes after the cursor.
        await using var late = await ChatStreamReader.FollowAsync(Http, messageId, 2);
        var events = await late.ReadToEndAsync();
        Assert.Equal(string.Concat(FakeText.Split("Une réponse déjà terminée, « entière ».").Skip(1)), late.Text);
        Assert.Equal("done", events[^2].Type);
        Assert.True(events[^1].IsDoneMarker);
        Assert.True(events.First().NumericId > 2);
    }

    [Fact]
    public async Task Unknown_answers_get_a_404_problem()
    {
        foreach (var (method, path) in new[] { ("GET", "/api/chat/stream/inconnue"), ("POST", "/api/chat/stream/inconnue/stop"), ("GET", "/api/chat/stream/a/b") })
        {
            using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        using var badCursor = new HttpRequestMessage(HttpMethod.Get, "/api/chat/stream/inconnue");
        badCursor.Headers.Add("Last-Event-ID", "-3");
        using var bad = await Http.SendAsync(badCursor);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_second_send_into_a_busy_conversation_gets_409_and_a_french_message()
    {
        await using var first = await Start(new { tokens = 200, tps = 50, ttft_ms = 0 });
        await first.NextOfTypeAsync("delta");
        var conversationId = first.ConversationId!;

        foreach (var body in new object[]
        {
            new { content = "Encore une question", conversation_id = conversationId },
            new { action = "regenerate", conversation_id = conversationId },
            new { action = "continue", conversation_id = conversationId },
        })
        {
            using var busy = await Http.PostAsync("/api/chat/stream", Json(body));
            Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
            var problem = JsonDocument.Parse(await busy.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("conversation_busy", problem.GetProperty("code").GetString());
            AssertFrench(problem.GetProperty("detail").GetString()!);
        }
        Assert.Single(Host.Fake.Requests);

        // Once the answer ends, the conversation takes the next message.
        await first.ReadToEndAsync();
        await using var next = await Start(new { text = "Suite.", tps = 0 }, conversationId);
        await next.ReadToEndAsync();
        Assert.Equal("Suite.", next.Text);
    }

    [Fact]
    public async Task Four_parallel_sends_into_one_conversation_leave_it_well_formed()
    {
        string conversationId;
        await using (var first = await Start(new { text = "Première réponse.", tps = 0 }))
        {
            await first.ReadToEndAsync();
            conversationId = first.ConversationId!;
        }

        // Each answer takes three seconds: all four sends arrive while the first one is being written.
        var sends = Enumerable.Range(0, 4).Select(i => Http.PostAsync("/api/chat/stream",
            Json(new { content = Directive.Message(new { tokens = 30, tps = 10 }, $"Question {i}"), conversation_id = conversationId }))).ToList();
        var responses = await Task.WhenAll(sends);
        var answers = new List<string>();
        foreach (var r in responses) { answers.Add($"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}"); r.Dispose(); }
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) == 1, string.Join("\n", answers));
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.Conflict) == 3, string.Join("\n", answers));

        var messages = (await GetConversation(conversationId)).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user", "assistant"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.All(messages, m => Assert.NotEqual("streaming", m.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_stream_without_resumable_still_stops_the_model_when_its_client_leaves()
    {
        var stream = await Start(new { tokens = 400, tps = 40, ttft_ms = 0 }, resumable: false);
        await stream.NextOfTypeAsync("delta");
        await stream.DisposeAsync();
        // No grace period: the provider, which would write for 10 s, is closed (how soon: the benchmark's section 3).
        var request = await Host.Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        Assert.Equal("client_disconnected", request.Outcome);
        Assert.True(request.TokensSent < 400);
    }

    private async Task<JsonElement> WaitForSavedStatus(string conversationId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var saved = LastAnswer(await GetConversation(conversationId));
            if (saved.GetProperty("status").GetString() == status) return saved;
            Assert.True(DateTime.UtcNow < deadline, $"the answer is still {saved.GetProperty("status")}, not {status}");
            await Task.Delay(50);
        }
    }
}

/// <summary>Once an answer's log is freed, a late follower gets it from the database.</summary>
public sealed class ReplayFromSavedTests : ServerTest
{
    protected override Dictionary<string, string?> Settings => new() { ["Therese:Stream:ReplayWindowSeconds"] = "0" };

    [Fact]
    public async Task A_follower_after_the_log_is_freed_gets_the_saved_text_and_its_end_with_growing_ids()
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Réponse enregistrée en base.", tps = 0 }), resumable = true });
        await stream.ReadToEndAsync();
        var messageId = stream.MessageId!;
        // The log is freed at once after the end (a 0 s window): wait until it is, rather than for a fixed time.
        var registry = Host.Services.GetRequiredService<AnswerRegistry>();
        var state = Host.Services.GetRequiredService<IStreamState>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (registry.TryGet(messageId, out _) || await state.FindLogAsync(messageId) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the answer's log was not freed within 10 s of its end");
            await Task.Delay(10);
        }

        await using var late = await ChatStreamReader.FollowAsync(Http, messageId, 3);
        var events = await late.ReadToEndAsync();
        Assert.Equal(["start", "done", "[DONE]"], events.Select(e => e.Type));
        Assert.Equal("Réponse enregistrée en base.", events[0].Content);
        Assert.Equal([4L, 5L], events.Take(2).Select(e => e.NumericId));
    }
}
