using System.Net;
using Therese.Testing;

namespace Therese.Tests.Web;

public sealed class SecurityTests : IAsyncLifetime
{
    private ThereseHost _host = null!;

    public async Task InitializeAsync() => _host = await ThereseHost.StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_foreign_host_name_is_refused_so_dns_rebinding_cannot_reach_the_api()
    {
        using var http = _host.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Host = "attacker.example";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/c/0193aaaabbbbccccddddeeeeffff0000")]
    public async Task The_page_is_served_with_a_strict_content_security_policy(string path)
    {
        using var http = _host.CreateClient();
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }
}

public sealed class SecretLoggingTests : IAsyncLifetime
{
    private const string Key = "sk-ant-secret-4f9c2b7e";
    private ThereseHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await ThereseHost.StartAsync("anthropic", new Dictionary<string, string?> { ["Therese:Llm:ApiKey"] = Key });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("""{"status":401}""")]
    [InlineData("""{"tokens":10,"error_after":3}""")]
    [InlineData("""{"tokens":10,"tps":0}""")]
    public async Task The_api_key_never_reaches_the_log(string script)
    {
        using var http = _host.CreateClient();
        await using var stream = await Chat.ChatStreamReader.OpenAsync(http, new { content = "Question\n::fake " + script });
        await stream.ReadToEndAsync();

        Assert.NotEmpty(_host.Logs.Lines);
        Assert.DoesNotContain(_host.Logs.Lines, line => line.Contains(Key, StringComparison.Ordinal) || line.Contains("secret-4f9c", StringComparison.Ordinal));
    }
}
