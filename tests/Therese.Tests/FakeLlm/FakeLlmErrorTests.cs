using System.Text;
using Microsoft.Extensions.AI;
using Therese.FakeLlm;
using Xunit.Abstractions;

namespace Therese.Tests.FakeLlm;

/// <summary>How each SDK surfaces the fake's failures. The Output lines document the exception types (see README).</summary>
public sealed class FakeLlmErrorTests(ITestOutputHelper output) : FakeLlmTestBase(output)
{
    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(529)]
    public async Task Anthropic_status_surfaces_as_exception(int status)
    {
        var ex = await Record.ExceptionAsync(() => AnthropicStreamAsync(Anthropic(), Directive($$"""{"status":{{status}}}""")));
        Output.WriteLine($"anthropic sdk, HTTP {status}: {Describe(ex)}");
        Assert.NotNull(ex);
        var r = Assert.Single(Fake.Requests);
        Assert.Equal(status, r.StatusCode);
        Assert.Equal("http_error", r.Outcome);

        var ex2 = await Record.ExceptionAsync(() => Anthropic().AsIChatClient("m", 100).GetStreamingResponseAsync(Directive($$"""{"status":{{status}}}""")).ToChatResponseAsync());
        Output.WriteLine($"anthropic meai, HTTP {status}: {Describe(ex2)}");
        Assert.NotNull(ex2);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(529)]
    public async Task OpenAi_status_surfaces_as_exception(int status)
    {
        var ex = await Record.ExceptionAsync(() => OpenAi().GetStreamingResponseAsync(Directive($$"""{"status":{{status}}}""")).ToChatResponseAsync());
        Output.WriteLine($"openai meai, HTTP {status}: {Describe(ex)}");
        Assert.NotNull(ex);
        Assert.Equal(status, Assert.Single(Fake.Requests).StatusCode);
    }

    [Fact]
    public async Task Missing_key_is_401_for_both_protocols()
    {
        using var http = new HttpClient();
        var a = await http.PostAsync(Fake.BaseUrl + "/v1/messages", new StringContent("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"""));
        Assert.Equal(401, (int)a.StatusCode);
        Assert.Contains("\"authentication_error\"", await a.Content.ReadAsStringAsync());
        var o = await http.PostAsync(Fake.BaseUrl + "/v1/chat/completions", new StringContent("""{"model":"m","messages":[{"role":"user","content":"x"}]}"""));
        Assert.Equal(401, (int)o.StatusCode);
        Assert.Contains("\"invalid_api_key\"", await o.Content.ReadAsStringAsync());
        Assert.All(Fake.Requests, r => Assert.Null(r.AuthScheme));
    }

    [Fact]
    public async Task Anthropic_error_after_throws_after_n_tokens()
    {
        var sb = new StringBuilder();
        var ex = await Record.ExceptionAsync(() => AnthropicStreamAsync(Anthropic(), Directive("""{"tokens":20,"error_after":5,"tps":0,"ttft_ms":0}"""), sb));
        Output.WriteLine($"anthropic sdk, error_after: {Describe(ex)}");
        Assert.NotNull(ex);
        Assert.Equal(FakeText.Text(5), sb.ToString());
        var r = Assert.Single(Fake.Requests);
        Assert.Equal("error_event", r.Outcome);
        Assert.Equal(5, r.TokensSent);

        var got = new StringBuilder();
        var ex2 = await Record.ExceptionAsync(async () =>
        {
            await foreach (var u in Anthropic().AsIChatClient("m", 100).GetStreamingResponseAsync(Directive("""{"tokens":20,"error_after":5,"tps":0,"ttft_ms":0,"error_type":"api_error"}""")))
                got.Append(u.Text);
        });
        Output.WriteLine($"anthropic meai, error_after (api_error): {Describe(ex2)}");
        Assert.NotNull(ex2);
        Assert.Equal(FakeText.Text(5), got.ToString());
    }

    [Fact]
    public async Task OpenAi_error_after_is_silently_ignored_by_the_sdk_and_ends_without_finish_reason()
    {
        // Finding: OpenAI .NET SDK 2.15 does not throw on a mid-stream `data: {"error":{...}}` payload;
        // the stream simply ends. The only signal is the missing finish_reason (and missing usage).
        var updates = new List<ChatResponseUpdate>();
        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var u in OpenAi().GetStreamingResponseAsync(Directive("""{"tokens":20,"error_after":5,"tps":0,"ttft_ms":0}""")))
                updates.Add(u);
        });
        var resp = updates.ToChatResponse();
        Output.WriteLine($"openai meai, error_after: {Describe(ex)}; text received: {resp.Text.Length} chars; finish_reason={resp.FinishReason?.ToString() ?? "null"}; usage={(resp.Usage is null ? "null" : "present")}");
        Assert.Null(ex);
        Assert.Equal(FakeText.Text(5), resp.Text);
        Assert.Null(resp.FinishReason);
        Assert.Equal("error_event", Assert.Single(Fake.Requests).Outcome);
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("openai")]
    public async Task Drop_after_throws(string protocol)
    {
        var got = new StringBuilder();
        var prompt = Directive("""{"tokens":20,"drop_after":3,"tps":0,"ttft_ms":0}""");
        var ex = await Record.ExceptionAsync(async () =>
        {
            if (protocol == "anthropic") await AnthropicStreamAsync(Anthropic(), prompt, got);
            else await foreach (var u in OpenAi().GetStreamingResponseAsync(prompt)) got.Append(u.Text);
        });
        Output.WriteLine($"{protocol}, drop_after: {Describe(ex)}");
        Assert.NotNull(ex);
        Assert.Equal(FakeText.Text(3), got.ToString());
        var r = Assert.Single(Fake.Requests);
        Assert.Equal("dropped", r.Outcome);
        Assert.Null(r.DisconnectedAt);
    }

    [Fact]
    public async Task Invalid_directive_is_a_400_with_a_clear_message()
    {
        var ex = await Record.ExceptionAsync(() => AnthropicStreamAsync(Anthropic(), Directive("""{"tokenz":3}""")));
        Output.WriteLine($"anthropic sdk, HTTP 400: {Describe(ex)}");
        Assert.NotNull(ex);
        Assert.Contains("tokenz", ex!.Message + ex.InnerException?.Message);
    }

    internal static string Describe(Exception? ex)
    {
        if (ex is null) return "(no exception)";
        var sb = new StringBuilder();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e != ex) sb.Append("  <- inner ");
            sb.Append(e.GetType().FullName);
            var baseTypes = new List<string>();
            for (var t = e.GetType().BaseType; t is not null && t != typeof(Exception) && t != typeof(object); t = t.BaseType) baseTypes.Add(t.FullName!);
            if (baseTypes.Count > 0) sb.Append(" : ").Append(string.Join(" : ", baseTypes));
            foreach (var name in new[] { "StatusCode", "Status", "Type", "ErrorCode", "ApiMessage", "Code" })
            {
                var p = e.GetType().GetProperty(name);
                if (p is null) continue;
                object? v;
                try { v = p.GetValue(e); } catch (Exception pe) { v = "<" + pe.GetType().Name + ">"; }
                sb.Append($" [{name}={v}]");
            }
            var msg = e.Message.ReplaceLineEndings(" ");
            sb.Append($" \"{(msg.Length > 160 ? msg[..160] + "…" : msg)}\"");
        }
        return sb.ToString();
    }
}
