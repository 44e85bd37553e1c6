using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Therese.FakeLlm;
using Therese.Tests.Chat;
using Xunit.Abstractions;

namespace Therese.Tests.Cluster;

/// <summary>
/// Three THÉRÈSE instances behind nginx, on one PostgreSQL and one Redis: whichever instance serves a
/// request, and even when the one writing an answer dies, the user sees one THÉRÈSE.
/// </summary>
[Collection("cluster")]
public sealed class ClusterTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>, IAsyncLifetime
{
    private ThereseCluster Cluster => fixture.Cluster;
    private readonly int _logStart = fixture.Cluster.Diagnostics.Length;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Each test's part of the instances' logs (warnings and errors), to read when it fails.</summary>
    public Task DisposeAsync()
    {
        var logs = Cluster.Diagnostics;
        output.WriteLine(logs.Length > _logStart ? logs : "(no log line)");
        return Task.CompletedTask;
    }

    private static object Send(object script, string? conversationId = null) =>
        new { content = Directive.Message(script), conversation_id = conversationId, resumable = true };

    [Fact]
    public async Task A_conversation_written_on_one_instance_is_read_on_the_others_with_the_same_sign_in()
    {
        var (on0, cookies) = await fixture.SignInAsync(instance: 0);
        await using var stream = await ChatStreamReader.OpenAsync(on0, Send(new { text = "Réponse écrite par l’instance 0.", tps = 500 }));
        var events = await stream.ReadToEndAsync();
        Assert.Equal("done", events.Last(e => !e.IsDoneMarker).Type);

        for (var i = 1; i < 3; i++)
        {
            using var other = Cluster.CreateClient(i, cookies);
            var conversation = await other.GetFromJsonAsync<JsonElement>($"/api/conversations/{stream.ConversationId}");
            var last = conversation.GetProperty("messages").EnumerateArray().Last();
            Assert.Equal("Réponse écrite par l’instance 0.", last.GetProperty("content").GetString());
            Assert.Equal("complete", last.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Twenty_answers_dropped_at_random_points_resume_through_other_instances_whole_and_without_a_duplicate_id()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var (_, cookies) = await fixture.SignInAsync();
        var stalls = new System.Collections.Concurrent.ConcurrentBag<string>();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async n =>
        {
            var random = new Random(seed + n);
            const int tokens = 80;
            var kept = new List<ReceivedEvent>();
            var trace = new List<string>();
            var clock = Stopwatch.StartNew();
            var instance = n % 3;
            using var first = Cluster.CreateClient(instance, cookies);
            var stream = await ChatStreamReader.OpenAsync(first, Send(new { tokens, tps = 100, ttft_ms = 0 }));
            string? messageId = null;
            var drops = 0;
            while (true)
            {
                var reads = random.Next(1, 25);
                var ended = false;
                for (var i = 0; i < reads && !ended; i++)
                {
                    if (await stream.NextAsync() is not { } e || e.IsDoneMarker) { ended = true; break; }
                    if (e.Type == "ping")
                    {
                        // Only after 15 s without an event: a stall a person would see.
                        stalls.Add($"answer {n}: a ping on instance {instance} after event {kept.LastOrDefault()?.Id} ({drops} drops)");
                        continue;
                    }
                    kept.Add(e);
                    trace.Add($"{clock.ElapsedMilliseconds} ms on {instance}: {e.Id} {e.Type}");
                    messageId ??= e.Type == "start" ? e.Json.GetProperty("message_id").GetString() : null;
                }
                if (ended) break;
                var last = kept.Count == 0 ? 0 : kept[^1].NumericId;
                await stream.DisposeAsync();
                drops++;
                // The next instance round the ring takes the reconnect.
                instance = (instance + 1) % 3;
                var next = Cluster.CreateClient(instance, cookies);
                stream = await ChatStreamReader.FollowAsync(next, messageId!, last);
            }
            await stream.DisposeAsync();
            if (kept[^1].Type != "done") output.WriteLine($"answer {n} ({messageId}):\n" + string.Join("\n", trace));
            return (kept, drops, tokens);
        }));

        foreach (var (kept, drops, tokens) in results)
        {
            var ids = kept.Select(e => e.NumericId).ToList();
            Assert.Equal(ids.Distinct().Count(), ids.Count);
            Assert.Equal(ids.Order(), ids);
            Assert.Equal(FakeText.Text(tokens), Shown(kept));
            Assert.Equal("done", kept[^1].Type);
            Assert.Equal("end_turn", kept[^1].Json.GetProperty("stop_reason").GetString());
        }
        Assert.True(results.Sum(r => r.drops) >= 20, $"only {results.Sum(r => r.drops)} drops");
        Assert.Empty(stalls);
        output.WriteLine($"{results.Sum(r => r.drops)} drops in all, each resumed on another instance");
    }

    [Fact]
    public async Task A_follower_that_had_read_the_end_and_reconnects_elsewhere_is_told_at_once_that_there_is_nothing_more()
    {
        var (on0, cookies) = await fixture.SignInAsync(instance: 0);
        long endId;
        string messageId;
        await using (var stream = await ChatStreamReader.OpenAsync(on0, Send(new { text = "Fin de la réponse.", tps = 500 })))
        {
            endId = (await stream.NextOfTypeAsync("done")).NumericId;
            messageId = stream.MessageId!;
        }
        using var on1 = Cluster.CreateClient(1, cookies);
        var clock = Stopwatch.StartNew();
        await using var again = await ChatStreamReader.FollowAsync(on1, messageId, endId);
        var events = await again.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Assert.Single(events).IsDoneMarker, string.Join(", ", events.Select(e => e.Type)));
        output.WriteLine($"[DONE] after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Stop_sent_through_another_instance_closes_the_provider_request_and_keeps_the_text()
    {
        var (on0, cookies) = await fixture.SignInAsync(instance: 0);
        await using var stream = await ChatStreamReader.OpenAsync(on0, Send(new { tokens = 2000, tps = 40, ttft_ms = 0 }));
        for (var i = 0; i < 5; i++) await stream.NextOfTypeAsync("delta");
        var request = Cluster.Fake.Requests.Single(r => r.Directive is not null && r.Directive.Contains("2000") && r.DisconnectedAt is null && r.CompletedAt is null);

        using var on1 = Cluster.CreateClient(1, cookies);
        var stoppedAt = DateTimeOffset.UtcNow;
        using var stop = await on1.PostAsync($"/api/chat/stream/{stream.MessageId}/stop", null);
        Assert.True(stop.IsSuccessStatusCode, $"stop answered {(int)stop.StatusCode}");

        var events = await stream.ReadToEndAsync();
        var end = events.Last(e => !e.IsDoneMarker);
        Assert.Equal("done", end.Type);
        Assert.Equal("user_stopped", end.Json.GetProperty("stop_reason").GetString());
        var closedAt = await WaitForAsync(() => request.DisconnectedAt, TimeSpan.FromSeconds(10));
        Assert.True(request.TokensSent < 2000, "the provider was still streaming at the end");
        output.WriteLine($"provider request closed {(closedAt - stoppedAt).TotalMilliseconds:F1} ms after Stop was sent to another instance (bench measures it; not asserted)");

        using var on2 = Cluster.CreateClient(2, cookies);
        var saved = await AnswerAsync(on2, stream.ConversationId!);
        Assert.Equal("stopped", saved.GetProperty("status").GetString());
        Assert.Equal(stream.Text, saved.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Two_instances_sending_into_one_conversation_at_once_one_answers_and_the_other_says_busy()
    {
        var (on1, cookies) = await fixture.SignInAsync(instance: 1);
        await using (var first = await ChatStreamReader.OpenAsync(on1, Send(new { text = "Première réponse.", tps = 500 })))
        {
            await first.ReadToEndAsync();
            var conversationId = first.ConversationId!;
            using var on2 = Cluster.CreateClient(2, cookies);
            for (var round = 0; round < 5; round++)
            {
                var body = JsonSerializer.Serialize(Send(new { tokens = 30, tps = 200, ttft_ms = 0 }, conversationId));
                var sends = await Task.WhenAll(new[] { on1, on2 }.Select(http =>
                    http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/chat/stream") { Content = new StringContent(body, Encoding.UTF8, "application/json") },
                        HttpCompletionOption.ResponseHeadersRead)));
                try
                {
                    var codes = sends.Select(r => r.StatusCode).Order().ToList();
                    Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], codes);
                    var refused = sends.Single(r => r.StatusCode == HttpStatusCode.Conflict);
                    var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
                    Assert.Equal("conversation_busy", problem.GetProperty("code").GetString());
                    // Let the winner finish, so the next round starts on a free conversation.
                    await sends.Single(r => r.StatusCode == HttpStatusCode.OK).Content.ReadAsStringAsync();
                }
                finally
                {
                    foreach (var response in sends) response.Dispose();
                }
            }
        }
    }

    [Fact]
    public async Task A_key_saved_on_one_instance_is_used_by_all_and_a_change_reaches_them_all()
    {
        var (on0, cookies) = await fixture.SignInAsync(instance: 0);
        // The fixture saved the key through instance 0: every instance answers with it.
        for (var i = 0; i < 3; i++)
        {
            using var http = Cluster.CreateClient(i, cookies);
            await using var stream = await ChatStreamReader.OpenAsync(http, Send(new { text = $"Instance {i}.", tps = 500 }));
            Assert.Equal("done", (await stream.ReadToEndAsync()).Last(e => !e.IsDoneMarker).Type);
        }

        // A key the provider refuses, saved through instance 2, is what instances 0 and 1 use next.
        const string refused = "cle-que-le-fournisseur-refuse";
        Cluster.Fake.RefuseKey(refused);
        using var on2 = Cluster.CreateClient(2, cookies);
        try
        {
            (await on2.PutAsJsonAsync("/api/settings", new { api_key = refused })).EnsureSuccessStatusCode();
            var took = await fixture.WaitForKeyEverywhereAsync(refused[^4..], cookies);
            output.WriteLine($"the new key was in force on every instance {took.TotalMilliseconds:F0} ms after it was saved");
            foreach (var i in new[] { 0, 1 })
            {
                using var http = Cluster.CreateClient(i, cookies);
                await using var stream = await ChatStreamReader.OpenAsync(http, Send(new { text = "Avec quelle clé ?", tps = 500 }));
                var end = (await stream.ReadToEndAsync()).Last(e => !e.IsDoneMarker);
                Assert.Equal("error", end.Type);
                Assert.Equal("auth", end.Json.GetProperty("error").GetProperty("code").GetString());
            }
        }
        finally
        {
            (await on2.PutAsJsonAsync("/api/settings", new { api_key = ClusterFixture.Key })).EnsureSuccessStatusCode();
            await fixture.WaitForKeyEverywhereAsync(ClusterFixture.Key[^4..], cookies);
        }
    }

    [Fact]
    public async Task An_answer_followed_through_another_instance_mid_thought_gets_its_reasoning_and_its_text_whole()
    {
        var (on0, cookies) = await fixture.SignInAsync(instance: 0);
        await using var writer = await ChatStreamReader.OpenAsync(on0, Send(new { thinking_tokens = 120, text = "La réponse, après réflexion.", tps = 60, ttft_ms = 0 }));
        var seen = await writer.NextOfTypeAsync("reasoning");
        for (var i = 0; i < 5; i++) seen = await writer.NextOfTypeAsync("reasoning");

        // Through instance 1, from the Redis log: what was missed coalesced, then the rest live, in order.
        using var on1 = Cluster.CreateClient(1, cookies);
        await using var follower = await ChatStreamReader.FollowAsync(on1, writer.MessageId!, seen.NumericId);
        var events = await follower.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        string Reasoning(IEnumerable<ReceivedEvent> all) =>
            string.Concat(all.Where(e => !e.IsDoneMarker && e.Type == "reasoning").Select(e => e.Json.GetProperty("reasoning").GetString()));
        Assert.Equal(FakeText.Text(120), Reasoning(writer.Received.Where(e => e.Id is not null && e.NumericId <= seen.NumericId)) + Reasoning(events));
        Assert.Single(events, e => e.Type == "reasoning_end");
        Assert.Equal("La réponse, après réflexion.", follower.Text);

        using var on2 = Cluster.CreateClient(2, cookies);
        var saved = await AnswerAsync(on2, writer.ConversationId!);
        Assert.Equal(FakeText.Text(120), saved.GetProperty("reasoning").GetString());
        Assert.Equal("La réponse, après réflexion.", saved.GetProperty("content").GetString());
    }

    [Fact]
    public async Task When_the_instance_writing_an_answer_is_killed_its_followers_elsewhere_see_it_interrupted_with_nothing_lost()
    {
        var (on0, cookies) = await fixture.SignInAsync(instance: 0);
        var writer = await ChatStreamReader.OpenAsync(on0, Send(new { tokens = 3000, tps = 30, ttft_ms = 0 }));
        await writer.NextOfTypeAsync("delta");
        var messageId = writer.MessageId!;
        using var on1 = Cluster.CreateClient(1, cookies);
        await using var follower = await ChatStreamReader.FollowAsync(on1, messageId, 0);
        for (var i = 0; i < 10; i++) await follower.NextOfTypeAsync("delta");

        var killedAt = Stopwatch.StartNew();
        Cluster.Kill(0);
        try
        {
            var events = await follower.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var end = events.Last(e => !e.IsDoneMarker);
            output.WriteLine($"the follower on instance 1 saw the end {killedAt.ElapsedMilliseconds} ms after the kill (liveness 2 s)");
            Assert.Equal("error", end.Type);
            Assert.Equal("interrupted", end.Json.GetProperty("error").GetProperty("code").GetString());
            Assert.True(events[^1].IsDoneMarker);
            var ids = follower.Received.Where(e => !e.IsDoneMarker).Select(e => e.NumericId).ToList();
            Assert.Equal(ids.Distinct().Count(), ids.Count);

            // Saved as interrupted with every word the follower saw, read through a third instance.
            using var on2 = Cluster.CreateClient(2, cookies);
            var saved = await AnswerAsync(on2, writer.ConversationId!);
            Assert.Equal("interrupted", saved.GetProperty("status").GetString());
            Assert.Equal(follower.Text, saved.GetProperty("content").GetString());

            // The conversation is free again: the next message through another instance is answered.
            await using var next = await ChatStreamReader.OpenAsync(on2, Send(new { text = "Je reprends.", tps = 500 }, writer.ConversationId));
            Assert.Equal("done", (await next.ReadToEndAsync()).Last(e => !e.IsDoneMarker).Type);
        }
        finally
        {
            await writer.DisposeAsync();
            await Cluster.StartInstanceAsync(0);
        }
    }

    /// <summary>What a client shows from the events it kept: start's text, then each delta.</summary>
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

    private static async Task<JsonElement> AnswerAsync(HttpClient http, string conversationId)
    {
        var conversation = await http.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversationId}");
        return conversation.GetProperty("messages").EnumerateArray().Last();
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> read, TimeSpan timeout) where T : struct
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (read() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("never happened");
            await Task.Delay(20);
        }
    }
}
