using System.Net;
using System.Text;
using System.Text.Json;
using Therese.FakeLlm;

namespace Therese.Tests.Chat;

public sealed class ChatStreamTests : ServerTest
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Llm:IdleTimeoutSeconds"] = "2",
        ["Therese:Stream:PingIntervalSeconds"] = "0.3",
    };

    private Task<ChatStreamReader> Open(string content, string? conversationId = null) =>
        ChatStreamReader.OpenAsync(Http, new { content, conversation_id = conversationId });


    [Fact]
    public async Task Stream_has_the_sse_headers_and_events_in_order_with_done_marker_last()
    {
        const string answer = "Bonjour, voici la réponse complète.";
        await using var stream = await Open(Directive.Message(new { text = answer, tps = 0, ttft_ms = 10 }));

        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", stream.Response.Headers.CacheControl?.ToString());
        Assert.Equal("no", stream.Response.Headers.GetValues("X-Accel-Buffering").Single());
        Assert.DoesNotContain(stream.Response.Content.Headers.ContentEncoding, e => e != "identity");

        var events = await stream.ReadToEndAsync();
        Assert.Equal("start", events[0].Type);
        Assert.False(string.IsNullOrEmpty(events[0].Json.GetProperty("conversation_id").GetString()));
        Assert.False(string.IsNullOrEmpty(events[0].Json.GetProperty("message_id").GetString()));
        Assert.True(events[^1].IsDoneMarker, "the last data line must be [DONE]");
        Assert.Equal("done", events[^2].Type);
        Assert.Equal("end_turn", events[^2].Json.GetProperty("stop_reason").GetString());
        Assert.True(events[^2].Json.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
        Assert.True(events[^2].Json.GetProperty("usage").GetProperty("input_tokens").GetInt32() > 0);
        Assert.Equal(answer, stream.Text);
        Assert.Equal(FakeText.Split(answer).Count, events.Count(e => !e.IsDoneMarker && e.Type == "delta"));

        var ids = events.Where(e => !e.IsDoneMarker).Select(e => int.Parse(e.Id!)).ToList();
        Assert.Equal(Enumerable.Range(1, ids.Count), ids);

        var saved = LastAnswer(await GetConversation(events[0].Json.GetProperty("conversation_id").GetString()!));
        Assert.Equal("complete", saved.GetProperty("status").GetString());
        Assert.Equal(answer, saved.GetProperty("content").GetString());
        Assert.Equal("end_turn", saved.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task First_delta_reaches_the_client_before_the_provider_sends_its_last_token()
    {
        await using var stream = await Open(Directive.Message(new { tokens = 30, tps = 20, ttft_ms = 50 }));
        await stream.NextOfTypeAsync("delta");
        var request = Host.Fake.Requests.Single();
        Assert.Equal("running", request.Outcome);
        Assert.True(request.TokensSent < 30, $"the provider had already sent {request.TokensSent} tokens");

        await stream.ReadToEndAsync();
        Assert.Equal(FakeText.Text(30), stream.Text);
    }

    [Fact]
    public async Task Start_is_written_before_the_provider_answers()
    {
        await using var stream = await Open(Directive.Message(new { text = "Lent.", ttft_ms = 1500 }));
        var start = await stream.NextAsync();
        Assert.Equal("start", start!.Type);
        Assert.All(Host.Fake.Requests, r => Assert.Null(r.FirstTokenAt));
    }

    [Fact]
    public async Task Ping_is_sent_when_nothing_else_happens()
    {
        await using var stream = await Open(Directive.Message(new { text = "Après un long silence.", ttft_ms = 1200 }));
        var events = await stream.ReadToEndAsync();
        var firstDelta = events.FindIndex(e => !e.IsDoneMarker && e.Type == "delta");
        Assert.Contains(events.Take(firstDelta), e => e.Type == "ping");
        Assert.Equal("Après un long silence.", stream.Text);
    }

    [Fact]
    public async Task Accents_and_emoji_split_across_network_writes_come_through_intact()
    {
        const string answer = "Déjà là, à l'œuvre : café ☕, crème brûlée 🍮 et drapeau 🇫🇷 — « naïve » !";
        await using var stream = await Open(Directive.Message(new { text = answer, tps = 0, ttft_ms = 10, split_utf8 = true }));
        await stream.ReadToEndAsync();
        Assert.Equal(answer, stream.Text);
        Assert.DoesNotContain('\uFFFD', stream.Text);

        var saved = LastAnswer(await GetConversation(stream.Received[0].Json.GetProperty("conversation_id").GetString()!));
        Assert.Equal(answer, saved.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Second_turn_sends_the_whole_conversation_to_the_provider()
    {
        await using var first = await Open(Directive.Message(new { text = "Première réponse.", tps = 0, ttft_ms = 0 }, "Première question"));
        await first.ReadToEndAsync();
        var conversationId = first.Received[0].Json.GetProperty("conversation_id").GetString()!;

        await using var second = await Open("Deuxième question", conversationId);
        Assert.Equal(conversationId, (await second.NextAsync())!.Json.GetProperty("conversation_id").GetString());
        await second.ReadToEndAsync();

        var request = Host.Fake.Requests[^1];
        Assert.Equal(["user", "assistant", "user"], request.Messages.Select(m => m.Role));
        Assert.StartsWith("Première question", request.Messages[0].Content);
        Assert.Equal("Première réponse.", request.Messages[1].Content);
        Assert.Equal("Deuxième question", request.Messages[2].Content);
        Assert.Contains("THÉRÈSE", request.System);
        Assert.Equal(4096, request.MaxTokens);
    }

    [Theory]
    [InlineData(401, "auth")]
    [InlineData(403, "auth")]
    [InlineData(429, "rate_limited")]
    [InlineData(529, "overloaded")]
    [InlineData(500, "upstream")]
    public async Task Provider_status_errors_become_error_events(int status, string code)
    {
        await using var stream = await Open(Directive.Message(new { status }));
        var events = await stream.ReadToEndAsync();
        var error = events[^2];
        Assert.Equal("error", error.Type);
        Assert.Equal(code, error.Json.GetProperty("error").GetProperty("code").GetString());
        AssertFrench(error.Json.GetProperty("error").GetProperty("message").GetString()!);
        Assert.True(events[^1].IsDoneMarker);

        var saved = LastAnswer(await GetConversation(events[0].Json.GetProperty("conversation_id").GetString()!));
        Assert.Equal("error", saved.GetProperty("status").GetString());
        Assert.Equal(code, saved.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Failure_before_the_first_token_is_retried()
    {
        await using var stream = await Open(Directive.Message(new { status = 529, times = 1, text = "Réussi au second essai.", tps = 0 }));
        await stream.ReadToEndAsync();
        Assert.Equal("Réussi au second essai.", stream.Text);
        Assert.Equal(2, Host.Fake.Requests.Count);
    }

    [Theory]
    [InlineData("error_after", "overloaded_error", "overloaded")]
    [InlineData("error_after", "api_error", "upstream")]
    [InlineData("drop_after", null, "upstream")]
    [InlineData("stall_after", null, "timeout")]
    public async Task Mid_stream_failures_keep_the_partial_text_and_are_not_replayed(string kind, string? errorType, string code)
    {
        var script = new Dictionary<string, object> { ["tokens"] = 12, ["tps"] = 0, ["ttft_ms"] = 10, [kind] = 5 };
        if (errorType is not null) script["error_type"] = errorType;
        await using var stream = await Open(Directive.Message(script));
        var events = await stream.ReadToEndAsync();

        Assert.Equal("error", events[^2].Type);
        Assert.Equal(code, events[^2].Json.GetProperty("error").GetProperty("code").GetString());
        Assert.True(events[^1].IsDoneMarker);
        var partial = string.Concat(FakeText.Tokens(12).Take(5));
        Assert.Equal(partial, stream.Text);
        Assert.Single(Host.Fake.Requests);

        var saved = LastAnswer(await GetConversation(events[0].Json.GetProperty("conversation_id").GetString()!));
        Assert.Equal("error", saved.GetProperty("status").GetString());
        Assert.Equal(partial, saved.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Client_disconnect_closes_the_provider_connection_and_saves_the_partial_answer()
    {
        await using var stream = await Open(Directive.Message(new { tokens = 400, tps = 40, ttft_ms = 10 }));
        var conversationId = (await stream.NextAsync())!.Json.GetProperty("conversation_id").GetString()!;
        for (var i = 0; i < 5; i++) await stream.NextOfTypeAsync("delta");
        var seen = stream.Text;

        await stream.DisposeAsync();

        // The provider would write for 10 s: THÉRÈSE closed its connection (how soon: the benchmark's section 3).
        var request = await Host.Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        Assert.Equal("client_disconnected", request.Outcome);
        Assert.True(request.TokensSent < 400);

        var saved = await WaitForStatus(conversationId, "stopped");
        var content = saved.GetProperty("content").GetString()!;
        Assert.StartsWith(seen, content);
        Assert.Equal("user_stopped", saved.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Partial_text_is_checkpointed_while_streaming()
    {
        await using var stream = await Open(Directive.Message(new { tokens = 200, tps = 20, ttft_ms = 10 }));
        var conversationId = (await stream.NextAsync())!.Json.GetProperty("conversation_id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        JsonElement saved;
        do
        {
            await Task.Delay(100);
            saved = LastAnswer(await GetConversation(conversationId));
        } while (saved.GetProperty("content").GetString()!.Length == 0 && DateTime.UtcNow < deadline);
        Assert.Equal("streaming", saved.GetProperty("status").GetString());
        Assert.NotEqual("", saved.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Message_endpoint_returns_the_whole_answer()
    {
        using var response = await Http.PostAsync("/api/chat/message", Json(new { content = Directive.Message(new { text = "Réponse entière.", tps = 0 }) }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Réponse entière.", body.GetProperty("content").GetString());
        var saved = LastAnswer(await GetConversation(body.GetProperty("conversation_id").GetString()!));
        Assert.Equal(body.GetProperty("message_id").GetString(), saved.GetProperty("id").GetString());
        Assert.Equal("complete", saved.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Message_endpoint_maps_provider_errors_to_problems()
    {
        using var response = await Http.PostAsync("/api/chat/message", Json(new { content = Directive.Message(new { status = 401 }) }));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("auth", problem.GetProperty("code").GetString());
    }

    /// <summary>
    /// The story's client (../shared/seed) appends <c>JSON.parse(data).content</c> for every data line but [DONE]: each
    /// line must carry a string <c>content</c>, and together they must be exactly the answer (no "undefined").
    /// </summary>
    [Theory]
    [InlineData("done")]
    [InlineData("error")]
    public async Task Every_data_line_carries_a_string_content_and_they_add_up_to_the_answer(string ending)
    {
        const string answer = "Une réponse qui arrive après un temps de réflexion.";
        // A slow first token brings pings (every 0.3 s here); error_after ends it with an error event.
        object script = ending == "done"
            ? new { text = answer, tps = 0, ttft_ms = 800 }
            : new { text = answer, tps = 0, ttft_ms = 800, error_after = 3 };
        await using var stream = await Open(Directive.Message(script));
        var events = await stream.ReadToEndAsync();

        Assert.Contains(events, e => e.Type == "ping");
        Assert.Equal(ending, events[^2].Type);
        var shown = new StringBuilder();
        foreach (var e in events.Where(e => !e.IsDoneMarker))
        {
            Assert.True(e.Json.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String,
                $"a {e.Type} line has no string content: {e.Data}");
            shown.Append(content.GetString());
        }
        Assert.Equal(ending == "done" ? answer : string.Concat(FakeText.Split(answer).Take(3)), shown.ToString());
        Assert.False(events[^2].Json.TryGetProperty("is_end", out _), $"the end leaks is_end: {events[^2].Data}");
    }

    private async Task<JsonElement> WaitForStatus(string conversationId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var saved = LastAnswer(await GetConversation(conversationId));
            if (saved.GetProperty("status").GetString() == status || DateTime.UtcNow > deadline) return saved;
            await Task.Delay(20);
        }
    }
}
