using System.Net;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Web;

public sealed class SecurityTests : ServerTest
{
    protected override Dictionary<string, string?> Settings => new() { ["AllowedHosts"] = "localhost;127.0.0.1;[::1];therese.example.org" };

    [Theory]
    [InlineData("attacker.example")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("localhost.attacker.example")]
    [InlineData("192.168.1.20")]
    public async Task A_foreign_Host_name_is_refused_so_dns_rebinding_cannot_reach_the_api(string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Host = host;
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("therese.example.org")]
    public async Task Loopback_names_and_configured_names_are_accepted(string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Host = host + ":" + new Uri(Host.BaseUrl).Port;
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string, string, string?, string?> CrossSite => new()
    {
        { "POST", "/api/chat/stream", "https://evil.example.com", null },
        { "POST", "/api/chat/stream", "http://localhost:3000", null },
        { "POST", "/api/chat/stream", "null", null },
        { "POST", "/api/chat/stream", null, "cross-site" },
        { "POST", "/api/chat/stream", null, "same-site" },
        { "POST", "/api/chat/message", "https://evil.example.com", null },
        { "PUT", "/api/settings", "https://evil.example.com", null },
        { "POST", "/api/settings/test", "http://127.0.0.1:1", null },
        { "PATCH", "/api/conversations/{id}", "https://evil.example.com", null },
        { "DELETE", "/api/conversations/{id}", null, "cross-site" },
        { "POST", "/api/conversations", "https://evil.example.com", null },
        { "POST", "/api/local-models/downloads", "https://evil.example.com", null },
        { "DELETE", "/api/local-models/model.gguf", "https://evil.example.com", null },
        { "POST", "/api/chat/stream/{id}/stop", "https://evil.example.com", null },
    };

    [Theory]
    [MemberData(nameof(CrossSite))]
    public async Task A_change_asked_by_another_site_gets_403_and_changes_nothing(string method, string path, string? origin, string? fetchSite)
    {
        var id = await SavedConversationAsync();
        var before = await Http.GetStringAsync($"/api/conversations/{id}");
        var settingsBefore = await Http.GetStringAsync("/api/settings");
        Host.Fake.ClearLog();

        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", id))
        {
            Content = JsonText("""{"content":"Bonjour","title":"Piraté","provider":"openai","repo":"a/b","file":"x.gguf"}"""),
        };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("cross_origin", problem.GetProperty("code").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));

        Assert.Empty(Host.Fake.Requests);
        Assert.Equal(before, await Http.GetStringAsync($"/api/conversations/{id}"));
        Assert.Equal(settingsBefore, await Http.GetStringAsync("/api/settings"));
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "same-origin")]
    [InlineData(false, null)]
    public async Task The_page_itself_and_programs_without_browser_headers_may_change_things(bool sameOrigin, string? fetchSite)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/message")
        {
            Content = Json(new { content = Directive.Message(new { text = "Permis.", tps = 0 }) }),
        };
        if (sameOrigin) request.Headers.Add("Origin", Host.BaseUrl);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Permis.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task No_other_site_is_allowed_to_read_the_api()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/settings");
        preflight.Headers.Add("Origin", "https://evil.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var answer = await Http.SendAsync(preflight);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Methods"));

        var read = new HttpRequestMessage(HttpMethod.Get, "/api/settings");
        read.Headers.Add("Origin", "https://evil.example.com");
        using var settings = await Http.SendAsync(read);
        Assert.False(settings.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(settings.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/c/0193aaaabbbbccccddddeeeeffff0000")]
    [InlineData("/api/settings")]
    public async Task Every_answer_carries_strict_page_headers(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Directives(response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("'self'", csp["script-src"]);
        Assert.Equal("'none'", csp["frame-ancestors"]);
        Assert.Equal("'none'", csp["object-src"]);
        Assert.Equal("'none'", csp["base-uri"]);
        Assert.DoesNotContain("unsafe", csp["script-src"] + csp["default-src"]);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var permissions = response.Headers.GetValues("Permissions-Policy").Single();
        foreach (var feature in new[] { "camera=()", "microphone=()", "geolocation=()" }) Assert.Contains(feature, permissions);
    }

    [Fact]
    public async Task The_page_has_no_inline_script()
    {
        var html = await Http.GetStringAsync("/");
        Assert.Contains("<script", html);
        // The one script without src is the first screen's JSON data block, which the browser never runs.
        Assert.DoesNotMatch(@"<script(?![^>]*\ssrc=)(?![^>]*type=""application/json"")[^>]*>", html);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", html);
    }

    [Fact]
    public async Task A_header_line_over_16_KB_gets_a_431_problem_and_the_server_keeps_serving()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Add("X-Padding", new string('a', 16 * 1024 + 1));
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("header_too_large", problem.GetProperty("code").GetString());
        Assert.Contains("X-Padding", problem.GetProperty("detail").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);

        using var after = await Http.GetAsync("/api/conversations");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static Dictionary<string, string> Directives(string csp) =>
        csp.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "");

    private async Task<string> SavedConversationAsync()
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Réponse.", tps = 0 }) });
        await stream.ReadToEndAsync();
        return stream.ConversationId!;
    }
}
