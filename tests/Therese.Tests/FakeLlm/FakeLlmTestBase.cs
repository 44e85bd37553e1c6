using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using Anthropic;
using Anthropic.Core;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;
using OpenAI;
using Therese.FakeLlm;
using Xunit.Abstractions;

namespace Therese.Tests.FakeLlm;

/// <summary>Starts one fake server per test class instance (xunit creates one instance per test).</summary>
public abstract class FakeLlmTestBase(ITestOutputHelper output) : IAsyncLifetime
{
    protected ITestOutputHelper Output { get; } = output;
    protected FakeLlmServer Fake { get; private set; } = null!;
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public async Task InitializeAsync() => Fake = await FakeLlmServer.StartAsync();

    public async Task DisposeAsync() => await Fake.DisposeAsync();

    protected AnthropicClient Anthropic(int maxRetries = 0, HttpClient? http = null) =>
        new(new ClientOptions { ApiKey = "test", BaseUrl = Fake.BaseUrl, MaxRetries = maxRetries, HttpClient = http ?? new HttpClient() });

    protected IChatClient OpenAi(int maxRetries = 0) =>
        new OpenAIClient(new ApiKeyCredential("k"), new OpenAIClientOptions
        {
            Endpoint = new Uri(Fake.BaseUrl + "/v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries),
        }).GetChatClient("fake-model").AsIChatClient();

    protected static MessageCreateParams Params(string user, int maxTokens = 4096) => new()
    {
        Model = "claude-fake",
        MaxTokens = maxTokens,
        Messages = [new UserMessageParam(user)],
    };

    /// <summary>Streams with the Anthropic SDK and returns the concatenated text deltas.</summary>
    protected static async Task<string> AnthropicStreamAsync(AnthropicClient client, string user, StringBuilder? received = null, CancellationToken ct = default)
    {
        var sb = received ?? new StringBuilder();
        await foreach (var ev in client.Messages.CreateStreaming(Params(user), ct))
            if (ev.TryPickContentBlockDelta(out var d) && d.Delta.TryPickText(out var t))
                sb.Append(t.Text);
        return sb.ToString();
    }

    protected static string Directive(string json) => "Bonjour THÉRÈSE\n::fake " + json;
}
