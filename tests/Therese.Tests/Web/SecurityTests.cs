using System.Net;

namespace Therese.Tests.Web;

public sealed class SecurityTests : ServerTest
{
    [Fact]
    public async Task A_foreignHost_name_is_refused_so_dns_rebinding_cannot_reach_the_api()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Host = "attacker.example";
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/c/0193aaaabbbbccccddddeeeeffff0000")]
    public async Task The_page_is_served_with_a_strict_content_security_policy(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }
}

public sealed class SecretLoggingTests : ServerTest
{
    private const string Key = "sk-ant-secret-4f9c2b7e";
    protected override Dictionary<string, string?> Settings => new() { ["Therese:Llm:ApiKey"] = Key };

    [Theory]
    [InlineData("""{"status":401}""")]
    [InlineData("""{"tokens":10,"error_after":3}""")]
    [InlineData("""{"tokens":10,"tps":0}""")]
    public async Task The_api_key_never_reaches_the_log(string script)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = "Question\n::fake " + script });
        await stream.ReadToEndAsync();

        Assert.NotEmpty(Host.Logs.Lines);
        Assert.DoesNotContain(Host.Logs.Lines, line => line.Contains(Key, StringComparison.Ordinal) || line.Contains("secret-4f9c", StringComparison.Ordinal));
    }
}
