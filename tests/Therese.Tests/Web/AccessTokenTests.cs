using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Web;

/// <summary>An administrator set Therese:AccessToken: every /api call needs it, loopback included.</summary>
public sealed class AccessTokenTests : ServerTest
{
    private const string Token = "jeton-de-test-4b1d9e7a2c";

    protected override Dictionary<string, string?> Settings => new() { ["Therese:AccessToken"] = Token };

    [Theory]
    [InlineData("GET", "/api/conversations")]
    [InlineData("GET", "/api/settings")]
    [InlineData("POST", "/api/chat/stream")]
    [InlineData("GET", "/api/chat/stream/m1")]
    [InlineData("GET", "/api/local-models")]
    [InlineData("PUT", "/api/settings")]
    [InlineData("GET", "/api/unknown")]
    public async Task Without_the_token_every_api_call_gets_401_token_required(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET") request.Content = Json(new { content = Directive.Message(new { text = "Non.", tps = 0 }) });
        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("token_required", problem.GetProperty("code").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
        Assert.Empty(Host.Fake.Requests);
    }

    [Fact]
    public async Task The_page_itself_stays_reachable_so_it_can_ask_for_the_token()
    {
        using var response = await Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("mauvais-jeton-mauvais-jeton")]
    [InlineData("jeton-de-test-4b1d9e7a2")]
    [InlineData("jeton-de-test-4b1d9e7a2c-et-plus")]
    [InlineData("")]
    public async Task A_wrong_token_is_refused_and_sets_no_cookie(string wrong)
    {
        using var response = await Http.PostAsync("/api/auth/token", Json(new { token = wrong }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("token_invalid", problem.GetProperty("code").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Guessing_is_limited_to_ten_tokens_a_minute_per_client()
    {
        for (var i = 0; i < 10; i++)
        {
            using var wrong = await Http.PostAsync("/api/auth/token", Json(new { token = $"essai-numero-{i}-du-robot" }));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var limited = await Http.PostAsync("/api/auth/token", Json(new { token = Token }));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        var problem = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("too_many_attempts", problem.GetProperty("code").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
        Assert.False(limited.Headers.Contains("Set-Cookie"));

        // Another device is not held back by this one.
        using var other = ClientFrom("127.0.0.2");
        using var proved = await other.PostAsync("/api/auth/token", Json(new { token = Token }));
        Assert.Equal(HttpStatusCode.NoContent, proved.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("::1", "::1", true)]
    [InlineData("::ffff:127.0.0.1", "::ffff:127.0.0.1", true)]
    [InlineData("192.168.1.20", "192.168.1.20", true)]
    [InlineData("192.168.1.35", "192.168.1.20", false)]
    [InlineData("203.0.113.7", "10.0.0.2", false)]
    public void Without_a_token_only_this_machine_counts_as_local(string remote, string local, bool isLocal)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        http.Connection.LocalIpAddress = IPAddress.Parse(local);
        Assert.Equal(isLocal, Therese.Server.Web.AccessToken.IsLocal(http.Connection));
    }

    /// <summary>A client that sends only the cookies a test gives it.</summary>
    private HttpClient WithoutCookieJar() => new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri(Host.BaseUrl) };

    [Fact]
    public async Task The_right_token_sets_an_httponly_strict_cookie_that_opens_the_api()
    {
        using var http = WithoutCookieJar();
        using var proved = await http.PostAsync("/api/auth/token", Json(new { token = Token }));
        Assert.Equal(HttpStatusCode.NoContent, proved.StatusCode);
        var cookie = proved.Headers.GetValues("Set-Cookie").Single();
        var parts = cookie.Split(';', StringSplitOptions.TrimEntries);
        Assert.StartsWith("therese_access=", parts[0]);
        Assert.DoesNotContain(Token, cookie);
        Assert.Contains("httponly", parts, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", parts, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("path=/", parts, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", parts, StringComparer.OrdinalIgnoreCase); // plain http here; see the proxy test

        var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/message") { Content = Json(new { content = Directive.Message(new { text = "Bienvenue.", tps = 0 }) }) };
        request.Headers.Add("Cookie", parts[0]);
        using var answer = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("Bienvenue.", await answer.Content.ReadAsStringAsync());

        var forged = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        forged.Headers.Add("Cookie", parts[0][..^2] + "xx");
        using var refused = await http.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task A_script_may_send_the_token_as_a_bearer_header()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
        using var refused = await Http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}

/// <summary>Behind a TLS reverse proxy that forwards X-Forwarded-Proto and Host, as the README says to set it up.</summary>
public sealed class ReverseProxyTests : ServerTest
{
    private const string Token = "jeton-derriere-un-proxy-81c3";

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:AccessToken"] = Token,
        ["FORWARDEDHEADERS_ENABLED"] = "true",
        ["AllowedHosts"] = "localhost;127.0.0.1;[::1];therese.example.org",
    };

    private static HttpRequestMessage ThroughProxy(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Host = "therese.example.org";
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        return request;
    }

    [Fact]
    public async Task The_cookie_is_secure_and_the_page_own_https_origin_is_accepted()
    {
        var prove = ThroughProxy(HttpMethod.Post, "/api/auth/token");
        prove.Headers.Add("Origin", "https://therese.example.org");
        prove.Content = Json(new { token = Token });
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri(Host.BaseUrl) };
        using var proved = await http.SendAsync(prove);
        Assert.Equal(HttpStatusCode.NoContent, proved.StatusCode);
        var parts = proved.Headers.GetValues("Set-Cookie").Single().Split(';', StringSplitOptions.TrimEntries);
        Assert.Contains("secure", parts, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", parts, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("httponly", parts, StringComparer.OrdinalIgnoreCase);

        var create = ThroughProxy(HttpMethod.Post, "/api/conversations");
        create.Headers.Add("Origin", "https://therese.example.org");
        create.Headers.Add("Cookie", parts[0]);
        using var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var foreign = ThroughProxy(HttpMethod.Post, "/api/conversations");
        foreign.Headers.Add("Origin", "http://therese.example.org");
        foreign.Headers.Add("Cookie", parts[0]);
        using var refused = await http.SendAsync(foreign);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
