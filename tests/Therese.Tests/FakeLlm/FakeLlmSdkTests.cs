using System.Text;
using Microsoft.Extensions.AI;
using Therese.FakeLlm;
using Xunit.Abstractions;

namespace Therese.Tests.FakeLlm;

public sealed class FakeLlmSdkTests(ITestOutputHelper output) : FakeLlmTestBase(output)
{
    private const string Tricky = "Déjà là, à l'œuvre : café ☕ 🇫🇷 naïve";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Anthropic_sdk_streams_text_directive_exactly(bool splitUtf8)
    {
        var text = Tricky + "\n\n- « guillemets » et \"quotes\" \\ \ttab\nfin ";
        var json = System.Text.Json.JsonSerializer.Serialize(new { text, ttft_ms = 5, tps = 0, split_utf8 = splitUtf8 });
        var got = await AnthropicStreamAsync(Anthropic(), Directive(json));
        Assert.Equal(text, got);
        var r = Assert.Single(Fake.Requests);
        Assert.Equal("anthropic", r.Protocol);
        Assert.Equal("completed", r.Outcome);
        Assert.Equal(FakeText.Split(text).Count, r.TokensSent);
        Assert.Equal("bearer", r.AuthScheme);
        Assert.Equal(json, r.Directive);
        Assert.NotNull(r.FirstTokenAt);
        Assert.NotNull(r.CompletedAt);
        Assert.Null(r.DisconnectedAt);
    }

    [Fact]
    public async Task Anthropic_sdk_streams_markdown_tokens()
    {
        var got = await AnthropicStreamAsync(Anthropic(), Directive("""{"tokens":300,"markdown":true,"tps":0,"ttft_ms":0}"""));
        Assert.Equal(FakeText.Text(300, markdown: true), got);
        Assert.Equal(300, Fake.Requests[0].TokensSent);
    }

    [Fact]
    public async Task Anthropic_sdk_non_streaming_message()
    {
        var msg = await Anthropic().Messages.Create(Params(Directive("""{"text":"Bonjour, ça va ?","ttft_ms":0}""")));
        Assert.True(msg.Content[0].TryPickText(out var block));
        Assert.Equal("Bonjour, ça va ?", block.Text);
        Assert.Equal(4, msg.Usage.OutputTokens); // "Bonjour," " ça" " va" " ?"
    }

    [Fact]
    public async Task Anthropic_meai_streaming_gives_text_usage_and_finish_reason()
    {
        IChatClient chat = Anthropic().AsIChatClient("claude-fake", 4096);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in chat.GetStreamingResponseAsync(Directive("""{"tokens":40,"tps":0,"ttft_ms":0,"split_utf8":true}""")))
            updates.Add(u);
        var resp = updates.ToChatResponse();
        Assert.Equal(FakeText.Text(40), resp.Text);
        Assert.Equal(ChatFinishReason.Stop, resp.FinishReason);
        Assert.NotNull(resp.Usage);
        Assert.Equal(40, resp.Usage!.OutputTokenCount);
        Assert.True(resp.Usage.InputTokenCount >= 1);
        Assert.Equal(4096, Fake.Requests[0].MaxTokens);
    }

    [Fact]
    public async Task Anthropic_meai_max_tokens_truncates_with_length_finish_reason()
    {
        IChatClient chat = Anthropic().AsIChatClient("claude-fake", 10);
        var resp = await chat.GetStreamingResponseAsync(Directive("""{"tokens":40,"tps":0,"ttft_ms":0}""")).ToChatResponseAsync();
        Assert.Equal(FakeText.Text(10), resp.Text);
        Assert.Equal(ChatFinishReason.Length, resp.FinishReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAi_meai_streaming_gives_text_usage_and_finish_reason(bool splitUtf8)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new { text = Tricky, ttft_ms = 0, tps = 0, split_utf8 = splitUtf8 });
        var resp = await OpenAi().GetStreamingResponseAsync(Directive(json)).ToChatResponseAsync();
        Assert.Equal(Tricky, resp.Text);
        Assert.Equal(ChatFinishReason.Stop, resp.FinishReason);
        Assert.NotNull(resp.Usage);
        Assert.Equal(FakeText.Split(Tricky).Count, resp.Usage!.OutputTokenCount);
        var r = Assert.Single(Fake.Requests);
        Assert.Equal("openai", r.Protocol);
        Assert.Equal("bearer", r.AuthScheme);
        Assert.Equal("fake-model", r.Model);
        Assert.Equal("completed", r.Outcome);
    }

    [Fact]
    public async Task OpenAi_meai_non_streaming_and_length()
    {
        var resp = await OpenAi().GetResponseAsync(Directive("""{"tokens":20,"ttft_ms":0}"""), new ChatOptions { MaxOutputTokens = 5 });
        Assert.Equal(FakeText.Text(5), resp.Text);
        Assert.Equal(ChatFinishReason.Length, resp.FinishReason);
        Assert.Equal(5, resp.Usage!.OutputTokenCount);
        Assert.Equal(5, Fake.Requests[0].MaxTokens);
    }

    [Fact]
    public async Task Default_answer_without_directive_is_french_and_echoes_the_message()
    {
        var resp = await OpenAi().GetStreamingResponseAsync("Quel temps fait-il ?").ToChatResponseAsync();
        Assert.StartsWith("Bonjour ! Je suis le fournisseur factice de THÉRÈSE. Vous avez écrit : « Quel temps fait-il ? »", resp.Text);
        Assert.Contains("```", resp.Text);
        Assert.Contains("| Café |", resp.Text);
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("openai")]
    public async Task History_and_system_prompt_are_logged(string protocol)
    {
        IChatClient chat = protocol == "anthropic" ? Anthropic().AsIChatClient("claude-fake", 1000) : OpenAi();
        List<ChatMessage> history =
        [
            new(ChatRole.System, "Tu es THÉRÈSE, assistante française."),
            new(ChatRole.User, "Première question ?"),
            new(ChatRole.Assistant, "Première réponse."),
            new(ChatRole.User, Directive("""{"text":"ok","ttft_ms":0}""")),
        ];
        await chat.GetStreamingResponseAsync(history).ToChatResponseAsync();
        var r = Assert.Single(Fake.Requests);
        Assert.Equal(protocol, r.Protocol);
        Assert.Equal("Tu es THÉRÈSE, assistante française.", r.System);
        Assert.Equal(
            [new FakeMessage("user", "Première question ?"), new FakeMessage("assistant", "Première réponse."), new FakeMessage("user", Directive("""{"text":"ok","ttft_ms":0}"""))],
            r.Messages);
    }

    [Fact]
    public async Task Pace_follows_ttft_and_tps()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var got = await AnthropicStreamAsync(Anthropic(), Directive("""{"tokens":20,"tps":100,"ttft_ms":100}"""));
        sw.Stop();
        Assert.Equal(FakeText.Text(20), got);
        var r = Fake.Requests[0];
        var ttft = (r.FirstTokenAt!.Value - r.ReceivedAt).TotalMilliseconds;
        var last = (r.LastTokenAt!.Value - r.ReceivedAt).TotalMilliseconds;
        Output.WriteLine($"ttft={ttft:0.0} ms, last token at {last:0.0} ms, total={sw.ElapsedMilliseconds} ms");
        // Token k is due at ttft + k/tps: never earlier. Measured on this side's monotonic clock (the fake's log uses the wall
        // clock, which on this VM once showed 93.6 ms across a 100 ms monotonic wait), without an upper bound: a late token is
        // the machine's, not the pace's (a shared machine under the whole suite has stalled this process for over a second).
        Assert.True(sw.Elapsed.TotalMilliseconds >= 100 + 19 * 10,
            $"the 20 tokens came {sw.Elapsed.TotalMilliseconds:0.0} ms after the call, before ttft_ms (100) + 19 tokens at 100 tokens/s");
        Assert.True(ttft > 50, $"the first token came {ttft:0.0} ms after the request: ttft_ms (100) was not waited for");
    }

    [Fact]
    public async Task Times_lets_sdk_retries_succeed()
    {
        // The Anthropic SDK retries 529 by default; the first attempt fails, the retry succeeds.
        var got = await AnthropicStreamAsync(Anthropic(maxRetries: 2), Directive("""{"text":"Réessayé !","status":529,"times":1,"ttft_ms":0}"""));
        Assert.Equal("Réessayé !", got);
        Assert.Equal(["http_error", "completed"], Fake.Requests.Select(r => r.Outcome));
        Assert.Equal(529, Fake.Requests[0].StatusCode);
    }

    [Fact]
    public async Task Wait_for_request_times_out_with_a_clear_message()
    {
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => Fake.WaitForRequestAsync(r => r.Protocol == "nope", TimeSpan.FromMilliseconds(50)));
        Assert.Contains("no request logged", ex.Message);
    }
}
