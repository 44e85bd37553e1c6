using System.Net;
using System.Text;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Conversations;

public sealed class ConversationsApiTests : ServerTest
{
    private async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private async Task<string> Chat(string content, string? conversationId = null, string? action = null)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content, conversation_id = conversationId, action });
        await stream.ReadToEndAsync();
        return stream.Received[0].Json.GetProperty("conversation_id").GetString()!;
    }

    private static StringContent Body(string json) => JsonText(json);

    [Fact]
    public async Task List_is_most_recent_first_with_titles_and_counts()
    {
        var first = await Chat(Directive.Message(new { text = "Un.", tps = 0 }, "Comment créer une association loi 1901 dans ma commune ? Quelles démarches ?"));
        var second = await Chat(Directive.Message(new { text = "Deux.", tps = 0 }, "Facture"));
        await Chat(Directive.Message(new { text = "Trois.", tps = 0 }, "Encore"), first);

        var page = await Json(await Http.GetAsync("/api/conversations"), HttpStatusCode.OK);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([first, second], items.Select(i => i.GetProperty("id").GetString()));
        Assert.Equal("Comment créer une association loi 1901 dans ma…", items[0].GetProperty("title").GetString());
        Assert.True(items[0].GetProperty("title").GetString()!.Length <= 51, "a title is at most 50 characters and « … »");
        Assert.Equal(4, items[0].GetProperty("message_count").GetInt32());
        Assert.Equal(2, items[1].GetProperty("message_count").GetInt32());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task List_is_paged_and_searchable()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
            ids.Add((await Json(await Http.PostAsync("/api/conversations", Body($$"""{"title":"Budget {{i}}"}""")), HttpStatusCode.Created)).GetProperty("id").GetString()!);
        await Http.PostAsync("/api/conversations", Body("""{"title":"Éclairage public"}"""));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Json(await Http.GetAsync($"/api/conversations?limit=2&q=budget{(cursor is null ? "" : "&cursor=" + cursor)}"), HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        } while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [Theory]
    [InlineData("ÉCLAIRAGE")]
    [InlineData("eclairage")]
    [InlineData("clairage publ")]
    [InlineData("cœur")]
    public async Task Search_ignores_case_and_accents(string q)
    {
        await Http.PostAsync("/api/conversations", Body("""{"title":"Éclairage public du cœur de ville"}"""));
        await Http.PostAsync("/api/conversations", Body("""{"title":"Budget 2027"}"""));
        var page = await Json(await Http.GetAsync($"/api/conversations?q={Uri.EscapeDataString(q)}"), HttpStatusCode.OK);
        Assert.Equal(["Éclairage public du cœur de ville"], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task A_renamed_conversation_is_found_by_its_new_title()
    {
        var id = (await Json(await Http.PostAsync("/api/conversations", Body("""{"title":"Ancien"}""")), HttpStatusCode.Created)).GetProperty("id").GetString();
        await Http.PatchAsync($"/api/conversations/{id}", Body("""{"title":"Fête du village"}"""));
        var page = await Json(await Http.GetAsync("/api/conversations?q=FETE"), HttpStatusCode.OK);
        Assert.Equal(id, page.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Equal(0, (await Json(await Http.GetAsync("/api/conversations?q=ancien"), HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Get_returns_every_message_with_status_and_usage()
    {
        var id = await Chat(Directive.Message(new { text = "Réponse.", tps = 0 }, "Question"));
        var conversation = await Json(await Http.GetAsync($"/api/conversations/{id}"), HttpStatusCode.OK);
        var messages = conversation.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant"], messages.Select(m => m.GetProperty("role").GetString()));
        var answer = messages[1];
        Assert.Equal("Réponse.", answer.GetProperty("content").GetString());
        Assert.Equal("complete", answer.GetProperty("status").GetString());
        Assert.Equal("end_turn", answer.GetProperty("stop_reason").GetString());
        Assert.True(answer.GetProperty("input_tokens").GetInt32() > 0);
        Assert.Equal(1, answer.GetProperty("output_tokens").GetInt32());
        Assert.Equal(1, answer.GetProperty("version_count").GetInt32());
    }

    [Fact]
    public async Task Create_rename_delete()
    {
        var created = await Json(await Http.PostAsync("/api/conversations", null), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("Nouvelle conversation", created.GetProperty("title").GetString());

        var renamed = await Json(await Http.PatchAsync($"/api/conversations/{id}", Body("""{"title":"  Subventions 2027  "}""")), HttpStatusCode.OK);
        Assert.Equal("Subventions 2027", renamed.GetProperty("title").GetString());

        await Chat(Directive.Message(new { text = "Oui.", tps = 0 }), id);
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"/api/conversations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/conversations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync($"/api/conversations/{id}")).StatusCode);
        var page = await Json(await Http.GetAsync("/api/conversations"), HttpStatusCode.OK);
        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
    }

    public static TheoryData<string, string, string?, string?, int> BadRequests => new()
    {
        { "GET", "/api/conversations/inconnue", null, null, 404 },
        { "PATCH", "/api/conversations/inconnue", "application/json", """{"title":"x"}""", 404 },
        { "DELETE", "/api/conversations/inconnue", null, null, 404 },
        { "GET", "/api/conversations?limit=0", null, null, 400 },
        { "GET", "/api/conversations?limit=500", null, null, 400 },
        { "GET", "/api/conversations?cursor=n’importe-quoi", null, null, 400 },
        { "POST", "/api/conversations", "application/json", """{"title": """, 400 },
        { "POST", "/api/conversations", "application/json", """{"title":"   "}""", 400 },
        { "POST", "/api/conversations", "text/plain", "titre", 415 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_and_unknown_ids_get_french_problems(string method, string path, string? contentType, string? body, int status)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType!);
        using var response = await Http.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertFrench(problem.GetProperty("detail").GetString()!);
    }

    [Fact]
    public async Task Renaming_with_bad_input_keeps_the_old_title()
    {
        var id = await Chat(Directive.Message(new { text = "Oui.", tps = 0 }, "Titre d’origine"));
        foreach (var bad in new[] { """{"title":""}""", """{"title":null}""", "{", $$"""{"title":"{{new string('x', 201)}}"}""" })
            Assert.Equal(HttpStatusCode.BadRequest, (await Http.PatchAsync($"/api/conversations/{id}", Body(bad))).StatusCode);
        var conversation = await Json(await Http.GetAsync($"/api/conversations/{id}"), HttpStatusCode.OK);
        Assert.StartsWith("Titre d’origine", conversation.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Regenerate_replaces_the_last_answer_and_keeps_the_old_version()
    {
        var id = await Chat(Directive.Message(new { text = "Une version.", tps = 0 }, "Question"));
        var before = (await Json(await Http.GetAsync($"/api/conversations/{id}"), HttpStatusCode.OK)).GetProperty("messages")[1];

        await using (var regenerated = await ChatStreamReader.OpenAsync(Http, new { conversation_id = id, action = "regenerate" }))
        {
            await regenerated.ReadToEndAsync();
            Assert.Equal("Une version.", regenerated.Text);
        }

        var messages = (await Json(await Http.GetAsync($"/api/conversations/{id}"), HttpStatusCode.OK)).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.NotEqual(before.GetProperty("id").GetString(), messages[1].GetProperty("id").GetString());
        Assert.Equal("complete", messages[1].GetProperty("status").GetString());
        Assert.Equal(2, messages[1].GetProperty("version_count").GetInt32());
        Assert.Equal(2, Host.Fake.Requests.Count);

        // The model regenerates from the question alone, not from its previous version.
        var request = Host.Fake.Requests[^1];
        Assert.Equal(["user"], request.Messages.Select(m => m.Role));
    }

    [Fact]
    public async Task Continue_carries_on_from_the_partial_text_of_a_stopped_answer()
    {
        var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { tokens = 150, tps = 100 }, "Raconte") });
        var id = (await stream.NextAsync())!.Json.GetProperty("conversation_id").GetString()!;
        for (var i = 0; i < 5; i++) await stream.NextOfTypeAsync("delta");
        await stream.DisposeAsync();

        string partial;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        JsonElement answer;
        do
        {
            answer = (await Json(await Http.GetAsync($"/api/conversations/{id}"), HttpStatusCode.OK)).GetProperty("messages")[1];
        } while (answer.GetProperty("status").GetString() != "stopped" && DateTime.UtcNow < deadline);
        Assert.Equal("stopped", answer.GetProperty("status").GetString());
        partial = answer.GetProperty("content").GetString()!;

        await using var more = await ChatStreamReader.OpenAsync(Http, new { conversation_id = id, action = "continue" });
        var start = (await more.NextAsync())!;
        Assert.Equal(answer.GetProperty("id").GetString(), start.Json.GetProperty("message_id").GetString());
        Assert.Equal(partial.TrimEnd(), start.Content);
        await more.ReadToEndAsync();

        var request = Host.Fake.Requests[^1];
        Assert.Equal(["user", "assistant"], request.Messages.Select(m => m.Role));
        Assert.Equal(partial.TrimEnd(), request.Messages[1].Content);

        var after = (await Json(await Http.GetAsync($"/api/conversations/{id}"), HttpStatusCode.OK)).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, after.Count);
        Assert.Equal("complete", after[1].GetProperty("status").GetString());
        Assert.Equal(partial.TrimEnd() + more.Text, after[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Continue_and_regenerate_are_refused_when_there_is_nothing_to_act_on()
    {
        var id = await Chat(Directive.Message(new { text = "Complète.", tps = 0 }));
        using var response = await Http.PostAsync("/api/chat/stream", Body($$"""{"action":"continue","conversation_id":"{{id}}"}"""));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        var empty = (await Json(await Http.PostAsync("/api/conversations", null), HttpStatusCode.Created)).GetProperty("id").GetString();
        using var regenerate = await Http.PostAsync("/api/chat/stream", Body($$"""{"action":"regenerate","conversation_id":"{{empty}}"}"""));
        Assert.Equal(HttpStatusCode.Conflict, regenerate.StatusCode);
    }
}
