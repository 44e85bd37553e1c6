using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using Therese.FakeLlm;
using Xunit.Abstractions;

namespace Therese.Tests.FakeLlm;

/// <summary>
/// Client cancellation reaches the fake as DisconnectedAt; the Output lines give the measured latency.
/// They pin down why THÉRÈSE's provider client turns draining off (Llm/ProviderHttp.cs): with the default
/// handler the provider connection stays open about 2 s after a cancel (the response drain timeout); without
/// draining it closes at once (about 1 ms: the benchmark's section 3 measures it through THÉRÈSE).
/// </summary>
public sealed class FakeLlmDisconnectTests(ITestOutputHelper output) : FakeLlmTestBase(output)
{
    public enum Stop { CancelToken, BreakLoop }

    /// <summary>SocketsHttpHandler's default ResponseDrainTimeout is 2 s: a draining client holds the connection at least this long.</summary>
    internal static readonly TimeSpan Drained = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// Draining or not, told apart by the drain itself: a draining client holds the connection for the drain timeout, one that
    /// does not drain closes it before (at once, but how soon is the benchmark's to measure, not a bound a busy machine may miss).
    /// </summary>
    internal static void AssertGap(bool noDrain, double gapMs)
    {
        if (noDrain)
            Assert.True(gapMs < Drained.TotalMilliseconds, $"without draining, the connection closed {gapMs:0.0} ms after the cancel, as late as a drain");
        else
            Assert.True(gapMs >= Drained.TotalMilliseconds, $"the default handler closed the connection {gapMs:0.0} ms after the cancel: it no longer drains");
        Assert.True(gapMs > -5, $"the disconnect was logged {-gapMs:0.0} ms before the cancel");
    }

    [Theory]
    [InlineData(Stop.CancelToken, false)]
    [InlineData(Stop.CancelToken, true)]
    [InlineData(Stop.BreakLoop, false)]
    [InlineData(Stop.BreakLoop, true)]
    public async Task Anthropic_sdk_cancel_mid_stream_sets_disconnected_at(Stop how, bool noDrain)
    {
        using var handler = new SocketsHttpHandler();
        if (noDrain) handler.MaxResponseDrainSize = 0;
        var client = Anthropic(http: new HttpClient(handler, disposeHandler: false));
        using var cts = new CancellationTokenSource();
        DateTimeOffset cancelAt = default;
        var n = 0;
        try
        {
            await foreach (var ev in client.Messages.CreateStreaming(Params(Directive("""{"tokens":2000,"tps":100,"ttft_ms":0}""")), cts.Token))
            {
                if (!(ev.TryPickContentBlockDelta(out var d) && d.Delta.TryPickText(out _))) continue;
                if (++n < 5) continue;
                cancelAt = DateTimeOffset.UtcNow;
                if (how == Stop.BreakLoop) break;
                cts.Cancel();
            }
        }
        catch (OperationCanceledException) { }
        var r = await Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, Wait);
        var gap = (r.DisconnectedAt!.Value - cancelAt).TotalMilliseconds;
        Output.WriteLine($"anthropic sdk, {how}, MaxResponseDrainSize={(noDrain ? "0" : "default")}: DisconnectedAt - cancel = {gap:0.0} ms; tokens sent {r.TokensSent}; outcome {r.Outcome}");
        Assert.Equal("client_disconnected", r.Outcome);
        Assert.Null(r.CompletedAt);
        Assert.True(r.TokensSent < 2000);
        AssertGap(noDrain, gap);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Meai_cancel_during_stall_sets_disconnected_at(bool openAi)
    {
        IChatClient chat = openAi ? OpenAi() : Anthropic().AsIChatClient("m", 1000);
        using var cts = new CancellationTokenSource();
        var got = new StringBuilder();
        var expected = FakeText.Text(3);
        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Task.Run(async () =>
        {
            await foreach (var u in chat.GetStreamingResponseAsync(Directive("""{"tokens":50,"stall_after":3,"tps":0,"ttft_ms":0}"""), cancellationToken: cts.Token))
            {
                got.Append(u.Text);
                if (got.Length >= expected.Length) allReceived.TrySetResult();
            }
        });
        var stalled = await Fake.WaitForRequestAsync(r => r.Outcome == "stalled", Wait);
        // Cancel while the client waits in the stall, once it has read the three tokens (however long a busy machine takes).
        await allReceived.Task.WaitAsync(Wait);
        var cancelAt = DateTimeOffset.UtcNow;
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var r = await Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, Wait);
        var gap = (r.DisconnectedAt!.Value - cancelAt).TotalMilliseconds;
        Output.WriteLine($"{(openAi ? "openai" : "anthropic")} meai, cancel while stalled: DisconnectedAt - cancel = {gap:0.0} ms");
        Assert.Same(stalled, r);
        Assert.Equal("stalled", r.Outcome);
        Assert.Equal(3, r.TokensSent);
        Assert.Equal(FakeText.Text(3), got.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Raw_httpclient_dispose_without_reading(bool noDrain)
    {
        // Disposing an unread response lets SocketsHttpHandler try to drain it for connection reuse.
        using var handler = new SocketsHttpHandler();
        if (noDrain) handler.MaxResponseDrainSize = 0;
        using var http = new HttpClient(handler);
        using var req = new HttpRequestMessage(HttpMethod.Post, Fake.BaseUrl + "/v1/messages")
        {
            Content = new StringContent("""{"model":"m","max_tokens":5000,"stream":true,"messages":[{"role":"user","content":"x\n::fake {\"tokens\":2000,\"tps\":100,\"ttft_ms\":0}"}]}""", Encoding.UTF8, "application/json"),
        };
        req.Headers.Add("x-api-key", "k");
        var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        await Fake.WaitForRequestAsync(r => r.TokensSent >= 5, Wait);
        var cancelAt = DateTimeOffset.UtcNow;
        resp.Dispose();
        var r = await Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, Wait);
        var gap = (r.DisconnectedAt!.Value - cancelAt).TotalMilliseconds;
        Output.WriteLine($"raw HttpClient, response.Dispose() unread, MaxResponseDrainSize={(noDrain ? "0" : "default")}: DisconnectedAt - dispose = {gap:0.0} ms");
        Assert.Equal("client_disconnected", r.Outcome);
        FakeLlmDisconnectTests.AssertGap(noDrain, gap);
    }

    [Fact]
    public async Task Split_utf8_really_splits_inside_a_character_on_the_wire()
    {
        // Read as HTTP/1.1 chunks from the socket: each of the fake's flushes is a chunk of its own, whatever the reader's pace
        // (a reader slowed down by a busy machine gets both halves in one read, but still in two chunks).
        var uri = new Uri(Fake.BaseUrl);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();
        var json = """{"model":"m","stream":true,"messages":[{"role":"user","content":"::fake {\"text\":\"é à\",\"split_utf8\":true,\"ttft_ms\":0,\"tps\":0}"}]}""";
        var body = Encoding.UTF8.GetBytes(json);
        var head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\n" +
                   $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received);
        var raw = received.ToArray();

        var headersEnd = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.Contains("transfer-encoding: chunked", Encoding.ASCII.GetString(raw, 0, headersEnd).ToLowerInvariant());
        var chunks = new List<byte[]>();
        for (var at = headersEnd + 4; at < raw.Length;)
        {
            var lineEnd = raw.AsSpan(at).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(raw, at, lineEnd).Split(';')[0], 16);
            if (size == 0) break;
            chunks.Add(raw[(at + lineEnd + 2)..(at + lineEnd + 2 + size)]);
            at += lineEnd + 2 + size + 2;
        }
        Assert.Contains("\"content\":\"é\"", Encoding.UTF8.GetString(chunks.SelectMany(c => c).ToArray()));
        // At least one write ends right after the lead byte of a 2-byte character (0xC3 for é/à).
        Assert.Contains(chunks, c => c[^1] == 0xC3);
    }

    [Fact]
    public async Task Http_log_endpoints_and_models()
    {
        await AnthropicStreamAsync(Anthropic(), Directive("""{"text":"salut","ttft_ms":0}"""));
        using var http = new HttpClient();
        var json = await http.GetStringAsync(Fake.BaseUrl + "/_fake/log");
        Assert.Contains("\"protocol\": \"anthropic\"", json);
        Assert.Contains("\"tokens_sent\": 1", json);
        Assert.Contains("\"first_token_at\"", json);
        Assert.Contains("\"disconnected_at\": null", json);
        Assert.Contains("\"auth_scheme\": \"bearer\"", json);
        Assert.DoesNotContain("test", json.Replace("\"text\"", "")); // the key value "test" is never logged
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync(Fake.BaseUrl + "/_fake/log")).StatusCode);
        Assert.Empty(Fake.Requests);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(Fake.BaseUrl + "/v1/models")).StatusCode);
        using var withKey = new HttpRequestMessage(HttpMethod.Get, Fake.BaseUrl + "/v1/models");
        withKey.Headers.Authorization = new("Bearer", "any-key");
        var models = await (await http.SendAsync(withKey)).Content.ReadAsStringAsync();
        Assert.Contains("fake-model", models);
        Assert.Contains("THÉRÈSE", await http.GetStringAsync(Fake.BaseUrl + "/"));
    }
}

/// <summary>Separate class so its 2 s drain measurements run in parallel with the Anthropic ones.</summary>
public sealed class FakeLlmOpenAiDisconnectTests(ITestOutputHelper output) : FakeLlmTestBase(output)
{
    [Theory]
    [InlineData(FakeLlmDisconnectTests.Stop.CancelToken, false)]
    [InlineData(FakeLlmDisconnectTests.Stop.CancelToken, true)]
    [InlineData(FakeLlmDisconnectTests.Stop.BreakLoop, false)]
    [InlineData(FakeLlmDisconnectTests.Stop.BreakLoop, true)]
    public async Task OpenAi_meai_cancel_mid_stream_sets_disconnected_at(FakeLlmDisconnectTests.Stop how, bool noDrain)
    {
        using var handler = new SocketsHttpHandler();
        if (noDrain) handler.MaxResponseDrainSize = 0;
        using var http = new HttpClient(handler, disposeHandler: false);
        IChatClient chat = new OpenAI.OpenAIClient(new System.ClientModel.ApiKeyCredential("k"), new OpenAI.OpenAIClientOptions
        {
            Endpoint = new Uri(Fake.BaseUrl + "/v1"),
            Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(http),
        }).GetChatClient("fake-model").AsIChatClient();
        using var cts = new CancellationTokenSource();
        DateTimeOffset cancelAt = default;
        var n = 0;
        try
        {
            await foreach (var u in chat.GetStreamingResponseAsync(Directive("""{"tokens":2000,"tps":100,"ttft_ms":0}"""), cancellationToken: cts.Token))
            {
                if (string.IsNullOrEmpty(u.Text) || ++n < 5) continue;
                cancelAt = DateTimeOffset.UtcNow;
                if (how == FakeLlmDisconnectTests.Stop.BreakLoop) break;
                cts.Cancel();
            }
        }
        catch (OperationCanceledException) { }
        var r = await Fake.WaitForRequestAsync(r => r.DisconnectedAt is not null, Wait);
        var gap = (r.DisconnectedAt!.Value - cancelAt).TotalMilliseconds;
        Output.WriteLine($"openai meai, {how}, MaxResponseDrainSize={(noDrain ? "0" : "default")}: DisconnectedAt - cancel = {gap:0.0} ms; tokens sent {r.TokensSent}");
        Assert.Equal("client_disconnected", r.Outcome);
        FakeLlmDisconnectTests.AssertGap(noDrain, gap);
    }
}

public sealed class FakeTextTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Tokens_count_is_exact_and_deterministic(int n)
    {
        Assert.Equal(n, FakeText.Tokens(n).Count);
        Assert.Equal(n, FakeText.Tokens(n, markdown: true).Count);
        Assert.All(FakeText.Tokens(n), t => Assert.StartsWith(" ", t));
        Assert.All(FakeText.Tokens(n, true), t => Assert.NotEmpty(t));
        Assert.StartsWith(FakeText.Text(n), FakeText.Text(n + 10));
    }

    [Fact]
    public void Text_is_the_same_on_every_run()
    {
        // Pinned: tests and benchmark runs compare streamed text with FakeText, so it must never depend on the run.
        Assert.Equal(" Déjà café idée commune garçon âme trésorière développer château goût un chaque ☕ Noël", FakeText.Text(14));
        Assert.StartsWith("## Étape 1 : Déjà ", FakeText.Text(10, markdown: true));
    }

    [Fact]
    public void Text_has_accents_emoji_and_markdown_blocks()
    {
        var plain = FakeText.Text(200);
        foreach (var c in new[] { "é", "è", "à", "ç", "ô", "œ" }) Assert.Contains(c, plain);
        Assert.Contains("☕", plain);
        var md = FakeText.Text(200, markdown: true);
        foreach (var s in new[] { "## ", "\n- ", "| Élément | Coût |", "|---|---:|", "```csharp\n", "\n```", "**" }) Assert.Contains(s, md);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bonjour")]
    [InlineData("  Déjà là,\n\n- café ☕ 🇫🇷\tnaïve  \n")]
    public void Split_round_trips(string text)
    {
        var tokens = FakeText.Split(text);
        Assert.Equal(text, string.Concat(tokens));
        Assert.All(tokens, t => Assert.NotEmpty(t));
    }
}
