using System.Net;
using System.Text.Json;
using Therese.FakeLlm;
using Therese.Testing;
using Therese.Tests.Chat;

namespace Therese.Tests.Reasoning;

/// <summary>
/// Reasoning through both SDKs over HTTP, as each provider sends it: Claude's signed thinking blocks (budgeted or adaptive),
/// a redacted block, OpenAI-compatible servers' reasoning_content and reasoning fields, and inline think tags.
/// The model is chosen in the page (saved settings), so a conversation can switch provider.
/// </summary>
public sealed class ReasoningTests : ServerTest
{
    protected override string? Provider => null;

    private async Task Use(string provider, string model, string reasoning = "medium")
    {
        using var response = await Http.PutAsync("/api/settings", Json(new
        {
            provider,
            model,
            reasoning,
            api_key = "test-key",
            base_url = provider == "openai" ? Host.Fake.BaseUrl + "/v1" : Host.Fake.BaseUrl,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<(List<ReceivedEvent> Events, string ConversationId)> Ask(object script, string? conversationId = null, string question = "Question")
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(script, question), conversation_id = conversationId });
        var events = await stream.ReadToEndAsync();
        return (events, events[0].Json.GetProperty("conversation_id").GetString()!);
    }

    private static string Reasoning(IEnumerable<ReceivedEvent> events) =>
        string.Concat(events.Where(e => !e.IsDoneMarker && e.Type == "reasoning").Select(e => e.Json.GetProperty("reasoning").GetString()));

    private static string Text(IEnumerable<ReceivedEvent> events) =>
        string.Concat(events.Where(e => !e.IsDoneMarker && e.Type == "delta").Select(e => e.Content));

    [Fact]
    public async Task Claude_thinks_in_a_budget_on_top_of_the_answer_streams_it_live_and_gets_its_signed_thinking_back()
    {
        await Use("anthropic", "claude-sonnet-4-5", reasoning: "medium");
        const string thinking = "Le conseil municipal vote le budget en mars ; il faut donc préparer la délibération avant.";
        var (events, conversation) = await Ask(new { thinking, text = "Préparez la délibération en février.", tps = 200, ttft_ms = 0 });

        // Thinking is asked with a budget, and the answer keeps its whole room (4,096 tokens) on top of it.
        var asked = Host.Fake.Requests[^1];
        using (var config = JsonDocument.Parse(asked.Thinking!))
        {
            Assert.Equal("enabled", config.RootElement.GetProperty("type").GetString());
            Assert.Equal(4096, asked.MaxTokens - config.RootElement.GetProperty("budget_tokens").GetInt32());
        }

        // One reasoning event per thinking delta, never coalesced; then reasoning_end, then the answer; every line has content.
        var types = events.Where(e => !e.IsDoneMarker).Select(e => e.Type).ToList();
        Assert.Equal(FakeText.Split(thinking).Count, types.Count(t => t == "reasoning"));
        Assert.Equal(types.IndexOf("reasoning_end"), types.LastIndexOf("reasoning") + 1);
        Assert.True(types.IndexOf("delta") > types.IndexOf("reasoning_end"));
        Assert.Equal(thinking, Reasoning(events));
        Assert.Equal("Préparez la délibération en février.", Text(events));
        Assert.All(events.Where(e => e.Type is "reasoning" or "reasoning_end"), e => Assert.Equal("", e.Content));

        // Saved with its duration; the API shows the reasoning, never the signature; content is the answer alone.
        var saved = LastAnswer(await GetConversation(conversation));
        Assert.Equal("Préparez la délibération en février.", saved.GetProperty("content").GetString());
        Assert.Equal(thinking, saved.GetProperty("reasoning").GetString());
        var duration = events.Single(e => e.Type == "reasoning_end").Json.GetProperty("duration_ms").GetInt64();
        Assert.Equal(duration, saved.GetProperty("reasoning_ms").GetInt64());
        Assert.Equal(["reasoning", "text"], saved.GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("type").GetString()));
        Assert.DoesNotContain("fake-sig", saved.GetRawText());
        Assert.DoesNotContain("signature", saved.GetRawText());

        // The next turn sends the thinking block back unchanged, signature included (the fake refuses an altered one).
        var (next, _) = await Ask(new { text = "D’accord.", tps = 0, ttft_ms = 0 }, conversation, "Et ensuite ?");
        Assert.Equal("done", next[^2].Type);
        var history = Host.Fake.Requests[^1].Messages[1];
        Assert.Equal(["thinking", "text"], history.Blocks.Select(b => b.Type));
        Assert.Equal((thinking, FakeLlmServer.SignatureOf(thinking)), (history.Blocks[0].Text, history.Blocks[0].Signature));
    }

    [Fact]
    public async Task A_current_Claude_thinks_adaptively_with_the_effort_chosen()
    {
        await Use("anthropic", "claude-opus-4-6", reasoning: "high");
        var (events, _) = await Ask(new { thinking = "Réfléchissons.", text = "Voilà.", tps = 0, ttft_ms = 0 });
        var asked = Host.Fake.Requests[^1];
        using var config = JsonDocument.Parse(asked.Thinking!);
        Assert.Equal("adaptive", config.RootElement.GetProperty("type").GetString());
        Assert.Equal("high", asked.ReasoningEffort);
        Assert.Equal(4096, asked.MaxTokens);
        Assert.Equal("Réfléchissons.", Reasoning(events));
    }

    [Fact]
    public async Task Off_asks_Claude_for_no_thinking()
    {
        await Use("anthropic", "claude-opus-4-6", reasoning: "off");
        await Ask(new { text = "Voilà.", tps = 0, ttft_ms = 0 });
        Assert.Null(Host.Fake.Requests[^1].Thinking);
    }

    [Fact]
    public async Task A_redacted_block_is_kept_and_sent_back_as_it_came()
    {
        await Use("anthropic", "claude-sonnet-4-5");
        var (_, conversation) = await Ask(new { redacted = true, thinking = "Pensée visible.", text = "Réponse.", tps = 0, ttft_ms = 0 });
        var saved = LastAnswer(await GetConversation(conversation));
        Assert.Equal(["reasoning", "reasoning", "text"], saved.GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("type").GetString()));

        await Ask(new { text = "Suite.", tps = 0, ttft_ms = 0 }, conversation, "Et ?");
        var history = Host.Fake.Requests[^1].Messages[1];
        Assert.Equal(["redacted_thinking", "thinking", "text"], history.Blocks.Select(b => b.Type));
        Assert.Equal(FakeLlmServer.RedactedThinkingData, history.Blocks[0].Text);
    }

    [Theory]
    [InlineData("reasoning_content")]
    [InlineData("reasoning")]
    [InlineData("think_tags")]
    public async Task An_OpenAI_compatible_server_streams_its_reasoning_live_and_gets_none_of_it_back(string format)
    {
        await Use("openai", "qwen3", reasoning: "low");
        const string thinking = "L’association doit voter en assemblée générale.";
        // Inline tags arrive cut every 3 characters: "<th", "ink", ">L’"…
        var (events, conversation) = await Ask(new { thinking, reasoning = format, text = "Convoquez l’assemblée.", tps = 0, ttft_ms = 0, chunk_chars = 3 });
        Assert.Equal("low", Host.Fake.Requests[^1].ReasoningEffort);
        Assert.Equal(thinking, Reasoning(events));
        Assert.Equal("Convoquez l’assemblée.", Text(events));
        Assert.DoesNotContain(events, e => !e.IsDoneMarker && e.Content.Contains("think>", StringComparison.Ordinal));

        var saved = LastAnswer(await GetConversation(conversation));
        Assert.Equal("Convoquez l’assemblée.", saved.GetProperty("content").GetString());
        Assert.Equal(thinking, saved.GetProperty("reasoning").GetString());

        // Never sent back: DeepSeek R1 refuses it, and a model shown its thoughts imitates them.
        await Ask(new { text = "Bien.", tps = 0, ttft_ms = 0 }, conversation, "Et après ?");
        var history = Host.Fake.Requests[^1].Messages[1];
        Assert.Equal("Convoquez l’assemblée.", history.Content);
        Assert.DoesNotContain(history.Blocks, b => b.Type is "reasoning_content" or "reasoning");
        Assert.DoesNotContain("think", history.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stray_closing_tag_turns_the_text_before_it_into_reasoning_with_one_event()
    {
        await Use("openai", "deepseek-r1-distill");
        var (events, conversation) = await Ask(new { thinking = "Hmm, je vérifie.", reasoning = "think_close", text = "C’est bon.", tps = 0, ttft_ms = 0, chunk_chars = 4 });
        Assert.Single(events, e => e.Type == "text_was_reasoning");
        var saved = LastAnswer(await GetConversation(conversation));
        Assert.Equal("C’est bon.", saved.GetProperty("content").GetString());
        Assert.Equal("Hmm, je vérifie.", saved.GetProperty("reasoning").GetString());
    }

    [Fact]
    public async Task A_server_that_refuses_reasoning_effort_answers_without_it_and_the_connection_test_works()
    {
        await Use("openai", FakeLlmServer.NoThinkingModelPrefix + "llama3.2", reasoning: "medium");
        var (events, _) = await Ask(new { text = "Réponse sans réflexion.", tps = 0, ttft_ms = 0 });
        Assert.Equal("Réponse sans réflexion.", Text(events));
        Assert.Equal([400, 200], Host.Fake.Requests.Select(r => r.StatusCode));
        Assert.Null(Host.Fake.Requests[^1].ReasoningEffort);

        using var test = await Http.PostAsync("/api/settings/test", Json(new { }));
        Assert.True(JsonDocument.Parse(await test.Content.ReadAsStringAsync()).RootElement.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Switching_provider_mid_conversation_never_sends_reasoning_to_the_other()
    {
        await Use("anthropic", "claude-sonnet-4-5");
        var (_, conversation) = await Ask(new { thinking = "Pensée de Claude.", text = "Réponse de Claude.", tps = 0, ttft_ms = 0 }, question: "Un");

        // To an OpenAI-compatible server: Claude's thinking stays home.
        await Use("openai", "qwen3");
        await Ask(new { thinking = "Pensée de Qwen.", reasoning = "reasoning", text = "Réponse de Qwen.", tps = 0, ttft_ms = 0 }, conversation, "Deux");
        var toOpenAi = Host.Fake.Requests[^1].Messages;
        Assert.Equal("Réponse de Claude.", toOpenAi[1].Content);
        Assert.All(toOpenAi, m => Assert.DoesNotContain("Pensée", m.Json, StringComparison.Ordinal));

        // Back to Claude: its own signed thinking goes back, Qwen's unsigned reasoning never does (it would be a 400).
        await Use("anthropic", "claude-sonnet-4-5");
        var (last, _) = await Ask(new { text = "Fin.", tps = 0, ttft_ms = 0 }, conversation, "Trois");
        Assert.Equal("done", last[^2].Type);
        var toClaude = Host.Fake.Requests[^1].Messages;
        Assert.Equal(["thinking", "text"], toClaude[1].Blocks.Select(b => b.Type));
        Assert.Equal(["text"], toClaude[3].Blocks.Select(b => b.Type));
        Assert.DoesNotContain("Pensée de Qwen", toClaude[3].Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_during_reasoning_stops_the_model_and_keeps_what_was_thought()
    {
        await Use("anthropic", "claude-sonnet-4-5");
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { thinking_tokens = 400, text = "Jamais dit.", tps = 20, ttft_ms = 0 }) });
        var start = await stream.NextOfTypeAsync("start");
        var messageId = start.Json.GetProperty("message_id").GetString();
        await stream.NextOfTypeAsync("reasoning");
        await stream.NextOfTypeAsync("reasoning");
        using var stop = await Http.PostAsync($"/api/chat/stream/{messageId}/stop", null);
        Assert.Equal("stopped", JsonDocument.Parse(await stop.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        var rest = await stream.ReadToEndAsync();
        Assert.Contains(rest, e => e.Type == "reasoning_end");
        Assert.Equal("user_stopped", rest.Last(e => e.Type == "done").Json.GetProperty("stop_reason").GetString());
        await Host.Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(10));

        var saved = LastAnswer(await GetConversation(start.Json.GetProperty("conversation_id").GetString()!));
        Assert.Equal("stopped", saved.GetProperty("status").GetString());
        Assert.Equal("", saved.GetProperty("content").GetString());
        Assert.Equal(Reasoning(stream.Received), saved.GetProperty("reasoning").GetString());
        Assert.True(saved.GetProperty("reasoning_ms").GetInt64() >= 0);
    }

    [Fact]
    public async Task A_follower_that_comes_back_during_reasoning_gets_what_it_missed_then_the_rest_live()
    {
        await Use("anthropic", "claude-sonnet-4-5");
        await using var first = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { thinking_tokens = 60, text = "Réponse finale.", tps = 60, ttft_ms = 0 }), resumable = true });
        var start = await first.NextOfTypeAsync("start");
        await first.NextOfTypeAsync("reasoning");
        var seen = await first.NextOfTypeAsync("reasoning");
        var messageId = start.Json.GetProperty("message_id").GetString()!;

        await using var again = await ChatStreamReader.FollowAsync(Http, messageId, seen.NumericId);
        var events = await again.ReadToEndAsync();
        var before = Reasoning(first.Received);
        Assert.Equal(FakeText.Text(60), before + Reasoning(events));
        Assert.Equal("Réponse finale.", Text(events));
        var ids = events.Where(e => e.Id is not null).Select(e => e.NumericId).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.True(ids[0] > seen.NumericId);
    }

    [Fact]
    public async Task The_reasoning_setting_is_validated_and_shown()
    {
        using var bad = await Http.PutAsync("/api/settings", Json(new { reasoning = "maximum" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        AssertFrench(JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!);
        using var settings = await Http.GetAsync("/api/settings");
        Assert.Equal("off", JsonDocument.Parse(await settings.Content.ReadAsStringAsync()).RootElement.GetProperty("reasoning").GetString());
    }
}
