using System.Net;
using System.Text;
using System.Text.Json;

namespace Therese.Tests.Chat;

public sealed class BadInputTests : ServerTest
{
    // Malformed requests to every endpoint are in Web/MalformedRequestTests.

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
