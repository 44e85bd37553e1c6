
namespace Therese.Tests.Chat;

/// <summary>The same contract through the OpenAI SDK against an OpenAI-compatible server (Ollama, vLLM…).</summary>
public sealed class OpenAiProviderTests : ServerTest
{
    protected override string? Provider => "openai";

    [Fact]
    public async Task Streams_tokens_with_usage_and_sends_the_history()
    {
        const string answer = "Réponse d’un serveur compatible OpenAI, avec « guillemets » et 🇫🇷.";
        await using var first = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = answer, tps = 0, split_utf8 = true }, "Première") });
        var events = await first.ReadToEndAsync();
        Assert.Equal(answer, first.Text);
        Assert.Equal("done", events[^2].Type);
        Assert.True(events[^2].Json.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);

        var id = events[0].Json.GetProperty("conversation_id").GetString();
        await using var second = await ChatStreamReader.OpenAsync(Http, new { content = "Seconde", conversation_id = id });
        await second.ReadToEndAsync();

        var request = Host.Fake.Requests[^1];
        Assert.Equal("openai", request.Protocol);
        Assert.Equal(["user", "assistant", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal(answer, request.Messages[1].Content);
        Assert.Contains("THÉRÈSE", request.System);
    }

    [Theory]
    [InlineData(401, "auth")]
    [InlineData(429, "rate_limited")]
    [InlineData(500, "upstream")]
    public async Task Status_errors_are_mapped(int status, string code)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { status }) });
        var events = await stream.ReadToEndAsync();
        Assert.Equal(code, events[^2].Json.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Disconnect_closes_the_provider_connection()
    {
        var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { tokens = 400, tps = 40 }) });
        for (var i = 0; i < 4; i++) await stream.NextOfTypeAsync("delta");
        await stream.DisposeAsync();
        // The provider would write for 10 s: it sees its connection closed (how soon: the benchmark's section 3, both protocols).
        var request = await Host.Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        Assert.Equal(("openai", "client_disconnected"), (request.Protocol, request.Outcome));
        Assert.True(request.TokensSent < 400);
    }
}
