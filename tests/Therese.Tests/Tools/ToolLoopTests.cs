using System.Net;
using System.Text.Json;
using Therese.FakeLlm;
using Therese.Testing;
using Therese.Tests.Chat;

namespace Therese.Tests.Tools;

/// <summary>
/// The tool loop through both SDKs over HTTP, with the demo MCP server (a real process, the official SDK) and the fake
/// provider asking for tools in each wire format: the steps stream live, the provider's next request carries the
/// results, approvals wait for the person (through a reload), and Stop, crashes, unknown tools and the round limit
/// end as a person would expect.
/// </summary>
public sealed class ToolLoopTests : ServerTest
{
    private readonly McpDemo _demo = new();

    protected override string? Provider => null;

    protected override Dictionary<string, string?> Settings => _demo.Settings();

    private async Task Use(string provider)
    {
        using var response = await Http.PutAsync("/api/settings", Json(new
        {
            provider,
            model = "fake-model",
            api_key = "test-key",
            base_url = provider == "openai" ? Host.Fake.BaseUrl + "/v1" : Host.Fake.BaseUrl,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await ConnectedAsync();
    }

    /// <summary>Waits until the demo server is connected (it is a process that starts), as the page would show it.</summary>
    private async Task<JsonElement> ConnectedAsync()
    {
        for (var i = 0; i < 600; i++)
        {
            var server = (await Tools()).GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "demo");
            if (server.GetProperty("state").GetString() == "connected") return server;
            await Task.Delay(100);
        }
        throw new TimeoutException("The demo MCP server never connected.");
    }

    private async Task<JsonElement> Tools()
    {
        using var response = await Http.GetAsync("/api/tools");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static object Call(string tool, object? arguments = null) => new { name = "demo__" + tool, arguments = arguments ?? new { } };

    private static object Script(object[] rounds, string text = "Voilà qui est fait.") => new { tools = rounds, text, tps = 0, ttft_ms = 0 };

    /// <summary>Asks as the page does: a resumable stream, so that a reload does not stop the answer.</summary>
    private Task<ChatStreamReader> Open(object script, string question = "Question") =>
        ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(script, question), resumable = true });

    private static IEnumerable<ReceivedEvent> OfType(IEnumerable<ReceivedEvent> events, string type) => events.Where(e => !e.IsDoneMarker && e.Type == type);

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (condition()) return;
            await Task.Delay(100);
        }
        throw new TimeoutException(what);
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("openai")]
    public async Task A_read_only_tool_runs_without_asking_shows_live_and_its_result_goes_back_to_the_model(string provider)
    {
        await Use(provider);
        await using var stream = await Open(Script([Call("chercher_documents", new { requete = "salle des fêtes" })], "La caution est de 300 €."));
        var events = await stream.ReadToEndAsync();

        // The steps in order, each with "content":"": the call, its result, then the answer.
        var types = events.Where(e => !e.IsDoneMarker).Select(e => e.Type).ToList();
        Assert.Equal(["start", "tool_call", "tool_result"], types.Take(3));
        Assert.DoesNotContain("tool_approval", types);
        Assert.Equal("done", types[^1]);
        Assert.Equal("La caution est de 300 €.", stream.Text);
        var call = OfType(events, "tool_call").Single();
        Assert.Equal(("demo", "chercher_documents"), (call.Json.GetProperty("server").GetString(), call.Json.GetProperty("name").GetString()));
        Assert.Equal("salle des fêtes", call.Json.GetProperty("arguments").GetProperty("requete").GetString());
        var result = OfType(events, "tool_result").Single();
        Assert.True(result.Json.GetProperty("ok").GetBoolean());
        Assert.Contains("Règlement de la salle des fêtes", result.Json.GetProperty("summary").GetString());
        Assert.All(events.Where(e => !e.IsDoneMarker && e.Type.StartsWith("tool_", StringComparison.Ordinal)), e => Assert.Equal("", e.Content));

        // The provider was offered the tools, then got the call and its result back, in its own wire format.
        var requests = Host.Fake.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Contains("demo__chercher_documents", requests[0].Tools);
        var blocks = requests[1].Messages.SelectMany(m => m.Blocks).ToList();
        var use = blocks.Single(b => b.Type == "tool_use");
        var back = blocks.Single(b => b.Type == "tool_result");
        Assert.Equal("demo__chercher_documents", use.Name);
        Assert.Equal(use.ToolUseId, back.ToolUseId);
        Assert.Contains("caution de 300 €", back.Text);

        // Saved in order: a reload shows the same step, with the whole result.
        var saved = LastAnswer(await GetConversation(stream.ConversationId!));
        var parts = saved.GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal(["tool", "text"], parts.Select(p => p.GetProperty("type").GetString()));
        Assert.Equal("done", parts[0].GetProperty("state").GetString());
        Assert.Equal(call.Json.GetProperty("call_id").GetString(), parts[0].GetProperty("call_id").GetString());
        Assert.Contains("caution de 300 €", parts[0].GetProperty("result").GetString());
        Assert.Equal("complete", saved.GetProperty("status").GetString());

        // Tool output is the organisation's data: never in the log at Information level or above.
        Assert.DoesNotContain(Host.Logs.Lines, l => !l.StartsWith("Debug", StringComparison.Ordinal) && !l.StartsWith("Trace", StringComparison.Ordinal)
            && l.Contains("caution de 300", StringComparison.Ordinal));

        // The Markdown export (« Mes données ») shows the step as a line.
        using (var export = await Http.GetAsync($"/api/conversations/{stream.ConversationId}/export?format=md"))
            Assert.Contains("*Outil : demo › chercher\\_documents ✓*", await export.Content.ReadAsStringAsync());

        // A replay of the ended answer shows the same step (its events while they are kept, then its saved parts).
        await using var replay = await ChatStreamReader.FollowAsync(Http, stream.MessageId!);
        var replayed = await replay.ReadToEndAsync();
        Assert.True(OfType(replayed, "tool_result").Any()
            || (replayed[0].Json.TryGetProperty("parts", out var replayedParts) && replayedParts[0].GetProperty("type").GetString() == "tool"));
    }

    [Fact]
    public async Task Claudes_signed_thinking_goes_back_inside_the_tool_loop()
    {
        await Use("anthropic");
        using (var reasoning = await Http.PutAsync("/api/settings", Json(new { model = "claude-sonnet-4-5", reasoning = "medium" })))
            Assert.Equal(HttpStatusCode.OK, reasoning.StatusCode);
        const string thinking = "Il faut la date du jour.";
        await using var stream = await Open(new { tools = new[] { Call("date_du_jour") }, thinking, text = "C’est noté.", tps = 0, ttft_ms = 0 });
        var events = await stream.ReadToEndAsync();
        Assert.Equal("done", events[^2].Type);

        // The fake refuses a thinking block sent back altered: the second request had it, signed, before the tool call.
        var assistant = Host.Fake.Requests[1].Messages.Single(m => m.Role == "assistant");
        Assert.Equal(["thinking", "tool_use"], assistant.Blocks.Select(b => b.Type));
        Assert.Equal(FakeLlmServer.SignatureOf(thinking), assistant.Blocks[0].Signature);
    }

    [Fact]
    public async Task A_tool_that_acts_waits_for_the_person_through_a_reload_and_runs_once_allowed()
    {
        await Use("anthropic");
        var mail = new { destinataire = "secretariat@mairie-exemple.fr", objet = "Salle des fêtes", corps = "Réservation du 12 décembre." };
        var stream = await Open(Script([Call("envoyer_courriel", mail)], "Le courriel est parti."));
        var approval = await stream.NextOfTypeAsync("tool_approval");
        var callId = approval.Json.GetProperty("call_id").GetString()!;
        Assert.Equal("Envoie un courriel au nom de la mairie.", approval.Json.GetProperty("description").GetString());
        var messageId = stream.MessageId!;
        var conversation = stream.ConversationId!;
        // The person reloads the page: nothing is sent meanwhile.
        await stream.DisposeAsync();
        Assert.Empty(_demo.OutboxLines);

        var saved = LastAnswer(await GetConversation(conversation));
        var waiting = saved.GetProperty("parts").EnumerateArray().Single(p => p.GetProperty("type").GetString() == "tool");
        Assert.Equal(("awaiting_approval", callId), (waiting.GetProperty("state").GetString(), waiting.GetProperty("call_id").GetString()));
        Assert.Equal("Salle des fêtes", waiting.GetProperty("arguments").GetProperty("objet").GetString());

        // The resumed stream shows the waiting call again; allowing it runs the tool once and the answer goes on.
        await using var resumed = await ChatStreamReader.FollowAsync(Http, messageId);
        await resumed.NextOfTypeAsync("tool_approval");
        using (var allow = await Http.PostAsync($"/api/chat/stream/{messageId}/tools/{callId}", Json(new { approve = true })))
            Assert.Equal(HttpStatusCode.NoContent, allow.StatusCode);
        var decision = await resumed.NextOfTypeAsync("tool_decision");
        Assert.True(decision.Json.GetProperty("approved").GetBoolean());
        var result = await resumed.NextOfTypeAsync("tool_result");
        Assert.True(result.Json.GetProperty("ok").GetBoolean());
        await resumed.ReadToEndAsync();
        Assert.Equal("Le courriel est parti.", resumed.Text);

        var sent = Assert.Single(_demo.OutboxLines);
        Assert.Equal("secretariat@mairie-exemple.fr", JsonDocument.Parse(sent).RootElement.GetProperty("destinataire").GetString());
        using (var again = await Http.PostAsync($"/api/chat/stream/{messageId}/tools/{callId}", Json(new { approve = true })))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("tool_not_waiting", await again.Content.ReadAsStringAsync());
        }
        using (var unknown = await Http.PostAsync($"/api/chat/stream/{messageId}/tools/nope", Json(new { approve = true })))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var done = LastAnswer(await GetConversation(conversation)).GetProperty("parts")[0];
        Assert.Equal("done", done.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_one_piece_answer_cannot_ask_so_a_tool_that_acts_is_refused_and_the_answer_comes_back()
    {
        await Use("anthropic");
        var mail = new { destinataire = "secretariat@mairie-exemple.fr", objet = "Objet", corps = "Corps." };
        using var response = await Http.PostAsync("/api/chat/message",
            Json(new { content = Directive.Message(Script([Call("envoyer_courriel", mail)], "Je n’ai pas pu l’envoyer.")) }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Je n’ai pas pu l’envoyer.", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("content").GetString());
        Assert.Empty(_demo.OutboxLines);
        var back = Host.Fake.Requests[1].Messages.SelectMany(m => m.Blocks).Single(b => b.Type == "tool_result");
        Assert.Contains("autorisation", back.Text);
    }

    [Fact]
    public async Task The_admins_override_makes_a_read_only_tool_ask_first()
    {
        await Use("openai");
        using (var ask = await Http.PutAsync("/api/tools/servers/demo/tools/date_du_jour", Json(new { needs_approval = true })))
            Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        await using var stream = await Open(Script([Call("date_du_jour")], "Voilà la date."));
        var approval = await stream.NextOfTypeAsync("tool_approval");
        using (var allow = await Http.PostAsync($"/api/chat/stream/{stream.MessageId}/tools/{approval.Json.GetProperty("call_id").GetString()}",
            Json(new { approve = true })))
            Assert.Equal(HttpStatusCode.NoContent, allow.StatusCode);
        var events = await stream.ReadToEndAsync();
        Assert.True(OfType(events, "tool_result").Single().Json.GetProperty("ok").GetBoolean());

        // Back to the annotations: it runs at once again.
        using (var reset = await Http.PutAsync("/api/tools/servers/demo/tools/date_du_jour", Json(new { needs_approval = (bool?)null })))
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        await using var again = await Open(Script([Call("date_du_jour")], "Voilà la date."), "Encore ?");
        Assert.DoesNotContain(await again.ReadToEndAsync(), e => !e.IsDoneMarker && e.Type == "tool_approval");
    }

    [Fact]
    public async Task A_refused_call_is_not_run_and_the_model_answers_without_it()
    {
        await Use("openai");
        await using var stream = await Open(Script([Call("envoyer_courriel", new { destinataire = "a@b.fr", objet = "Test", corps = "…" })],
            "Entendu, je n’envoie rien."));
        var approval = await stream.NextOfTypeAsync("tool_approval");
        var callId = approval.Json.GetProperty("call_id").GetString()!;
        using (var refuse = await Http.PostAsync($"/api/chat/stream/{stream.MessageId}/tools/{callId}", Json(new { approve = false })))
            Assert.Equal(HttpStatusCode.NoContent, refuse.StatusCode);
        var events = await stream.ReadToEndAsync();

        Assert.False(OfType(events, "tool_decision").Single().Json.GetProperty("approved").GetBoolean());
        Assert.False(OfType(events, "tool_result").Single().Json.GetProperty("ok").GetBoolean());
        Assert.Equal("Entendu, je n’envoie rien.", stream.Text);
        Assert.Empty(_demo.OutboxLines);
        // The model was told: the tool message of its next request says the person refused.
        var told = Host.Fake.Requests[1].Messages.Single(m => m.Role == "tool");
        Assert.Contains("refusé", told.Content);
        var part = LastAnswer(await GetConversation(stream.ConversationId!)).GetProperty("parts")[0];
        Assert.Equal(("refused", false), (part.GetProperty("state").GetString(), part.GetProperty("ok").GetBoolean()));
    }

    [Fact]
    public async Task Stop_during_a_slow_tool_cancels_the_call_and_saves_the_answer_stopped()
    {
        await Use("anthropic");
        await using var stream = await Open(Script([Call("attendre", new { secondes = 600 })]));
        await stream.NextOfTypeAsync("tool_call");
        await Until(() => _demo.LogLines.Any(l => l.Contains("started")), "The slow tool never started.");

        using (var stop = await Http.PostAsync($"/api/chat/stream/{stream.MessageId}/stop", null))
        {
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
            Assert.Contains("\"stopped\"", await stop.Content.ReadAsStringAsync());
        }
        var saved = LastAnswer(await GetConversation(stream.ConversationId!));
        Assert.Equal("stopped", saved.GetProperty("status").GetString());
        Assert.Equal("cancelled", saved.GetProperty("parts")[0].GetProperty("state").GetString());
        // The MCP server was told to cancel the call (the SDK's notifications/cancelled reached the tool).
        await Until(() => _demo.LogLines.Any(l => l.Contains("cancelled")), "The MCP call was never cancelled.");
        Assert.Single(Host.Fake.Requests);
        await AssertNoAnswerRunningAsync();
    }

    [Fact]
    public async Task A_tool_server_that_crashes_fails_the_call_and_comes_back()
    {
        await Use("openai");
        await using (var stream = await Open(Script([Call("planter")], "L’outil ne répond pas.")))
        {
            var events = await stream.ReadToEndAsync();
            var result = OfType(events, "tool_result").Single();
            Assert.False(result.Json.GetProperty("ok").GetBoolean());
            AssertFrench(result.Json.GetProperty("summary").GetString()!);
            Assert.Equal("L’outil ne répond pas.", stream.Text);
            Assert.Equal("done", events[^2].Type);
        }
        // THÉRÈSE starts it again; its tools work as before.
        await ConnectedAsync();
        await using var next = await Open(Script([Call("date_du_jour")], "Voilà la date."), "Et la date ?");
        var after = await next.ReadToEndAsync();
        Assert.True(OfType(after, "tool_result").Single().Json.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task An_answer_makes_at_most_ten_rounds_of_tool_calls()
    {
        await Use("anthropic");
        var rounds = Enumerable.Range(0, 12).Select(_ => (object)Call("date_du_jour")).ToArray();
        await using var stream = await Open(Script(rounds));
        var events = await stream.ReadToEndAsync();

        var results = OfType(events, "tool_result").ToList();
        Assert.Equal(11, results.Count);
        Assert.All(results.Take(10), r => Assert.True(r.Json.GetProperty("ok").GetBoolean()));
        Assert.False(results[10].Json.GetProperty("ok").GetBoolean());
        Assert.Contains("10", results[10].Json.GetProperty("summary").GetString());
        Assert.Equal(11, Host.Fake.Requests.Count);
        Assert.Equal("done", events[^2].Type);
        var saved = LastAnswer(await GetConversation(stream.ConversationId!));
        Assert.Equal(11, saved.GetProperty("parts").EnumerateArray().Count(p => p.GetProperty("type").GetString() == "tool"));
    }

    [Fact]
    public async Task A_tool_that_does_not_exist_gets_an_error_result_not_a_crash()
    {
        await Use("openai");
        await using var stream = await Open(new { tools = new[] { new { name = "demo__inexistant", arguments = new { } } }, text = "Je n’ai pas cet outil.", tps = 0, ttft_ms = 0 });
        var events = await stream.ReadToEndAsync();
        var result = OfType(events, "tool_result").Single();
        Assert.False(result.Json.GetProperty("ok").GetBoolean());
        Assert.Contains("n’existe pas", result.Json.GetProperty("summary").GetString());
        Assert.Equal("Je n’ai pas cet outil.", stream.Text);
        Assert.Contains("n’existe pas", Host.Fake.Requests[1].Messages.Single(m => m.Role == "tool").Content);
    }

    [Fact]
    public async Task A_long_result_is_cut_and_the_model_is_told()
    {
        await Use("anthropic");
        await using var stream = await Open(Script([Call("texte_long", new { caracteres = 50_000 })]));
        await stream.ReadToEndAsync();
        var part = LastAnswer(await GetConversation(stream.ConversationId!)).GetProperty("parts")[0];
        Assert.Equal(20_000, part.GetProperty("result").GetString()!.Length);
        var back = Host.Fake.Requests[1].Messages.SelectMany(m => m.Blocks).Single(b => b.Type == "tool_result");
        Assert.Contains("tronqué", back.Text);
    }
}

/// <summary>A tool that does not answer in Therese:Mcp:CallTimeoutSeconds fails, and the answer goes on without it.</summary>
public sealed class ToolTimeoutTests : ServerTest
{
    private readonly McpDemo _demo = new();

    protected override Dictionary<string, string?> Settings => new(_demo.Settings()) { ["Therese:Mcp:CallTimeoutSeconds"] = "2" };

    [Fact]
    public async Task A_call_that_takes_too_long_fails_with_a_french_reason_and_is_cancelled()
    {
        for (var i = 0; i < 600 && !(await (await Http.GetAsync("/api/tools")).Content.ReadAsStringAsync()).Contains("\"connected\""); i++)
            await Task.Delay(100);
        var script = new { tools = new[] { new { name = "demo__attendre", arguments = new { secondes = 600 } } }, text = "L’outil est trop lent.", tps = 0, ttft_ms = 0 };
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(script), resumable = true });
        var events = await stream.ReadToEndAsync();
        var result = events.Single(e => !e.IsDoneMarker && e.Type == "tool_result");
        Assert.False(result.Json.GetProperty("ok").GetBoolean());
        Assert.Equal("L’outil n’a pas répondu en 2 secondes.", result.Json.GetProperty("summary").GetString());
        Assert.Equal("L’outil est trop lent.", stream.Text);
        Assert.Equal("done", events[^2].Type);
        for (var i = 0; i < 600 && !_demo.LogLines.Any(l => l.Contains("cancelled")); i++) await Task.Delay(100);
        Assert.Contains(_demo.LogLines, l => l.Contains("cancelled"));
    }
}

/// <summary>
/// A call waiting for the person keeps its answer alive when nobody follows it (the page closed), where an answer
/// without one is given up after the resume grace period (1 s here).
/// </summary>
public sealed class ToolApprovalWaitTests : ServerTest
{
    private readonly McpDemo _demo = new();

    protected override Dictionary<string, string?> Settings => new(_demo.Settings()) { ["Therese:Stream:ResumeGraceSeconds"] = "1" };

    [Fact]
    public async Task A_waiting_call_outlives_the_resume_grace_period_and_runs_once_allowed()
    {
        for (var i = 0; i < 600 && !(await (await Http.GetAsync("/api/tools")).Content.ReadAsStringAsync()).Contains("\"connected\""); i++)
            await Task.Delay(100);
        var mail = new { destinataire = "accueil@mairie-exemple.fr", objet = "Conseil", corps = "Ordre du jour." };
        var script = new { tools = new[] { new { name = "demo__envoyer_courriel", arguments = (object)mail } }, text = "Envoyé.", tps = 0, ttft_ms = 0 };
        var asking = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(script), resumable = true });
        var callId = (await asking.NextOfTypeAsync("tool_approval")).Json.GetProperty("call_id").GetString()!;
        var (messageId, conversationId) = (asking.MessageId!, asking.ConversationId!);

        // Another answer, without a tool, left at the same moment: once it is given up, the grace period is over for both.
        var other = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { tokens = 5000, tps = 5, ttft_ms = 0 }), resumable = true });
        await other.NextOfTypeAsync("delta");
        await asking.DisposeAsync();
        await other.DisposeAsync();
        // Its rows are written a moment after its first token: not found yet is "still streaming" too.
        string? status = null;
        for (var i = 0; i < 600 && status is null or "streaming"; i++)
        {
            using var response = await Http.GetAsync($"/api/conversations/{other.ConversationId}");
            status = response.StatusCode == HttpStatusCode.NotFound ? null
                : LastAnswer(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement).GetProperty("status").GetString();
            if (status is null or "streaming") await Task.Delay(100);
        }
        Assert.NotEqual("streaming", status);
        Assert.NotNull(status);

        var waiting = LastAnswer(await GetConversation(conversationId));
        Assert.Equal("streaming", waiting.GetProperty("status").GetString());
        Assert.Equal("awaiting_approval", waiting.GetProperty("parts")[0].GetProperty("state").GetString());

        await using var back = await ChatStreamReader.FollowAsync(Http, messageId);
        using (var allow = await Http.PostAsync($"/api/chat/stream/{messageId}/tools/{callId}", Json(new { approve = true })))
            Assert.Equal(HttpStatusCode.NoContent, allow.StatusCode);
        await back.ReadToEndAsync();
        Assert.Equal("Envoyé.", back.Text);
        Assert.Single(_demo.OutboxLines);
        Assert.Equal("complete", LastAnswer(await GetConversation(conversationId)).GetProperty("status").GetString());
    }
}
