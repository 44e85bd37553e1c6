using System.Net;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Web;

/// <summary>Therese:Limits, set small here: beyond each limit a French problem, and the limits are configurable.</summary>
public sealed class LimitsTests : ServerTest
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Limits:MaxConcurrentAnswers"] = "3",
        ["Therese:Limits:MaxConcurrentAnswersPerClient"] = "2",
        ["Therese:Limits:RetryAfterSeconds"] = "7",
        ["Therese:Limits:MaxMessageLength"] = "50",
        ["Therese:Limits:MaxBodyBytes"] = "4096",
        ["Therese:Limits:MaxMessagesPerPage"] = "4",
        ["Therese:Limits:MaxConversationsPerPage"] = "5",
        ["Therese:Limits:DefaultConversationsPerPage"] = "2",
    };

    private static string Slow(int n) => Directive.Message(new { tokens = 400, tps = 20, ttft_ms = 0 }, $"Q{n}");

    private static async Task AssertTooManyStreams(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("too_many_streams", problem.GetProperty("code").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
    }

    [Fact]
    public async Task A_client_beyond_its_concurrent_answers_gets_429_with_retry_after_then_a_place_when_one_ends()
    {
        await using var first = await ChatStreamReader.OpenAsync(Http, new { content = Slow(1) });
        await using var second = await ChatStreamReader.OpenAsync(Http, new { content = Slow(2) });
        await first.NextOfTypeAsync("delta");
        await second.NextOfTypeAsync("delta");

        using (var third = await Http.PostAsync("/api/chat/stream", Json(new { content = Slow(3) })))
            await AssertTooManyStreams(third);
        using (var message = await Http.PostAsync("/api/chat/message", Json(new { content = Slow(3) })))
            await AssertTooManyStreams(message);
        Assert.Equal(2, Host.Fake.Requests.Count);

        using (var stop = await Http.PostAsync($"/api/chat/stream/{first.MessageId}/stop", null))
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        await using var again = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Une place libre.", tps = 0 }, "Q") });
        await again.ReadToEndAsync();
        Assert.Equal("Une place libre.", again.Text);
    }

    [Fact]
    public async Task Beyond_the_overall_limit_another_client_gets_429_too()
    {
        using var other = ClientFrom("127.0.0.2");
        await using var a1 = await ChatStreamReader.OpenAsync(Http, new { content = Slow(1) });
        await using var a2 = await ChatStreamReader.OpenAsync(Http, new { content = Slow(2) });
        await using var b1 = await ChatStreamReader.OpenAsync(other, new { content = Slow(3) });
        await b1.NextOfTypeAsync("delta");
        Assert.Equal(3, RunningAnswers());

        // The other client has one answer of its two, but the server writes three, its most.
        using var refused = await other.PostAsync("/api/chat/stream", Json(new { content = Slow(4) }));
        await AssertTooManyStreams(refused);
    }

    [Fact]
    public async Task The_message_length_and_the_body_size_are_configurable()
    {
        using var ok = await Http.PostAsync("/api/chat/message", Json(new { content = new string('a', 20) + "\n::fake {\"text\":\"Oui.\"}" }));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var tooLong = await Http.PostAsync("/api/chat/message", Json(new { content = new string('a', 51) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLong.StatusCode);
        var problem = JsonDocument.Parse(await tooLong.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("content_too_long", problem.GetProperty("code").GetString());
        Assert.Contains("50 caractères", problem.GetProperty("detail").GetString());

        var big = new HttpRequestMessage(HttpMethod.Put, "/api/settings") { Content = Json(new { system_prompt = new string('p', 5000) }) };
        big.Headers.ExpectContinue = true;
        using var tooBig = await Http.SendAsync(big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        problem = JsonDocument.Parse(await tooBig.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("body_too_large", problem.GetProperty("code").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
    }

    [Fact]
    public async Task A_long_conversation_comes_a_page_of_messages_at_a_time_and_the_pages_join_exactly()
    {
        string? id = null;
        for (var turn = 0; turn < 5; turn++)
        {
            await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = $"Réponse {turn}.", tps = 0 }, $"Tour {turn}"), conversation_id = id });
            await stream.ReadToEndAsync();
            id = stream.ConversationId;
        }

        var contents = new List<string>();
        string? before = null;
        var pages = 0;
        do
        {
            var page = await GetConversationPage(id!, before);
            var messages = page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()!).ToList();
            Assert.InRange(messages.Count, 1, 4);
            contents.InsertRange(0, messages);
            before = page.GetProperty("earlier_cursor").GetString();
            pages++;
        } while (before is not null);

        Assert.Equal(3, pages);
        Assert.Equal(10, contents.Count);
        for (var turn = 0; turn < 5; turn++)
        {
            Assert.StartsWith($"Tour {turn}\n", contents[2 * turn]);
            Assert.Equal($"Réponse {turn}.", contents[2 * turn + 1]);
        }
    }

    [Fact]
    public async Task Conversation_pages_have_the_configured_sizes()
    {
        for (var i = 0; i < 6; i++) (await Http.PostAsync("/api/conversations", Json(new { title = $"C{i}" }))).Dispose();
        var page = JsonDocument.Parse(await Http.GetStringAsync("/api/conversations")).RootElement;
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        page = JsonDocument.Parse(await Http.GetStringAsync("/api/conversations?limit=5")).RootElement;
        Assert.Equal(5, page.GetProperty("items").GetArrayLength());
        using var tooMany = await Http.GetAsync("/api/conversations?limit=6");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("5", JsonDocument.Parse(await tooMany.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
    }

    private async Task<JsonElement> GetConversationPage(string id, string? before)
    {
        var url = $"/api/conversations/{id}" + (before is null ? "" : $"?before={before}");
        return JsonDocument.Parse(await Http.GetStringAsync(url)).RootElement;
    }
}

/// <summary>An invalid limit stops THÉRÈSE at start rather than running unprotected.</summary>
public sealed class InvalidLimitsTests
{
    [Theory]
    [InlineData("Therese:Limits:MaxConcurrentAnswers", "0")]
    [InlineData("Therese:Limits:MaxBodyBytes", "-1")]
    [InlineData("Therese:Limits:DefaultConversationsPerPage", "500")]
    public async Task An_invalid_limit_stops_the_start(string key, string value)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ThereseHost.StartAsync(settings: new Dictionary<string, string?> { [key] = value }));
        Assert.Contains("Therese:Limits", error.ToString());
    }
}
