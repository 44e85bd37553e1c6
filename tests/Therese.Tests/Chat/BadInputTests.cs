using System.Net;
using System.Text;
using System.Text.Json;

namespace Therese.Tests.Chat;

public sealed class BadInputTests : ServerTest
{
    public static TheoryData<string, string, string, int> Cases => new()
    {
        { "/api/chat/stream", "application/json", """{"conversation_id":null}""", 400 },
        { "/api/chat/stream", "application/json", """{"content":"   \n\t "}""", 400 },
        { "/api/chat/stream", "application/json", """{"content":""}""", 400 },
        { "/api/chat/stream", "application/json", JsonSerializer.Serialize(new { content = new string('é', 100_001) }), 413 },
        { "/api/chat/stream", "application/json", """{"content": "Bonjour""", 400 },
        { "/api/chat/stream", "application/json", """["Bonjour"]""", 400 },
        { "/api/chat/stream", "application/json", """{"content": 42}""", 400 },
        { "/api/chat/stream", "text/plain", """{"content":"Bonjour"}""", 415 },
        { "/api/chat/stream", "application/x-www-form-urlencoded", "content=Bonjour", 415 },
        { "/api/chat/stream", "application/json", """{"content":"Bonjour","conversation_id":"inconnue"}""", 404 },
        { "/api/chat/stream", "application/json", """{"content":"Bonjour","action":"effacer"}""", 400 },
        { "/api/chat/stream", "application/json", """{"action":"continue"}""", 400 },
        { "/api/chat/message", "application/json", """{"content":""}""", 400 },
        { "/api/chat/message", "text/plain", "Bonjour", 415 },
        { "/api/chat/message", "application/json", """{"content":"Bonjour","conversation_id":"0193aaaabbbbccccddddeeeeffff0000"}""", 404 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_requests_get_a_french_problem_and_no_stream(string path, string contentType, string body, int status)
    {
        using var response = await Http.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("code").GetString()));
        AssertFrench(problem.GetProperty("detail").GetString()!);
        Assert.Empty(Host.Fake.Requests);
    }

    [Fact]
    public async Task Content_of_exactly_100000_characters_is_accepted()
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = new string('a', 99_950) + "\n::fake {\"text\":\"OK\",\"tps\":0}" });
        await stream.ReadToEndAsync();
        Assert.Equal("OK", stream.Text);
    }

    [Fact]
    public async Task A_bad_request_leaves_the_saved_conversation_untouched()
    {
        await using var first = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Réponse.", tps = 0 }) });
        await first.ReadToEndAsync();
        var id = first.Received[0].Json.GetProperty("conversation_id").GetString()!;
        var before = await Http.GetStringAsync($"/api/conversations/{id}");

        using var bad = await Http.PostAsync("/api/chat/stream", new StringContent($$"""{"content":"","conversation_id":"{{id}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        Assert.Equal(before, await Http.GetStringAsync($"/api/conversations/{id}"));
    }
}

public sealed class NotConfiguredTests : ServerTest
{
    protected override string? Provider => null;

    [Theory]
    [InlineData("/api/chat/stream")]
    [InlineData("/api/chat/message")]
    public async Task Chat_answers_503_not_configured_with_how_to_configure(string path)
    {
        using var response = await Http.PostAsync(path, Json(new { content = "Bonjour" }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("not_configured", problem.GetProperty("code").GetString());
        Assert.Contains("Réglages", problem.GetProperty("detail").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
    }

    [Fact]
    public async Task The_rest_of_the_app_still_serves()
    {
        using var response = await Http.GetAsync("/api/conversations");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
