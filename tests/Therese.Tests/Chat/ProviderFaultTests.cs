using System.Diagnostics;
using Therese.FakeLlm;
using Xunit.Abstractions;

namespace Therese.Tests.Chat;

/// <summary>One way a provider fails, scripted on the fake, and what the user must get from it.</summary>
/// <param name="Tokens">Tokens the provider streams before it fails (the partial text the user keeps).</param>
/// <param name="Mentions">Something the French message must say, such as the provider's own explanation.</param>
public sealed record ProviderFault(string Name, Dictionary<string, object> Script, string Code, int Tokens = 0, string? Mentions = null);

/// <summary>
/// Every provider fault, for each protocol: the right error code with a French message, the partial text
/// saved as <c>error</c>, the provider connection closed, the next message answered normally, and no
/// answer left running. Retries are off so that each fault is seen once.
/// </summary>
public abstract class ProviderFaultTests(ITestOutputHelper output) : ServerTest
{
    protected const string IdleTimeoutSeconds = "2";

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Llm:MaxRetries"] = "0",
        ["Therese:Llm:IdleTimeoutSeconds"] = IdleTimeoutSeconds,
        // Room for the 1,000,000-character answer (about 140,000 tokens).
        ["Therese:Llm:MaxTokens"] = "200000",
    };

    /// <summary>The faults both protocols share; each protocol adds how its mid-stream error event ends.</summary>
    protected static IEnumerable<ProviderFault> CommonFaults()
    {
        static Dictionary<string, object> S(params (string, object)[] fields) =>
            fields.Concat([("tokens", (object)12), ("tps", 0), ("ttft_ms", 0)]).ToDictionary(f => f.Item1, f => f.Item2);

        yield return new("400 with the provider's own message", S(("status", 400)), "provider_rejected",
            Mentions: "Fake error 400 requested by the ::fake directive");
        yield return new("401 wrong key", S(("status", 401)), "auth");
        yield return new("403 forbidden", S(("status", 403)), "auth");
        yield return new("404 unknown model", S(("status", 404)), "unknown_model");
        yield return new("429 with retry-after", S(("status", 429), ("retry_after", 30)), "rate_limited");
        yield return new("500 server error", S(("status", 500)), "upstream");
        yield return new("503 unavailable", S(("status", 503)), "overloaded");
        yield return new("529 overloaded", S(("status", 529)), "overloaded");
        yield return new("connection reset mid-stream", S(("drop_after", 5)), "upstream", Tokens: 5);
        yield return new("malformed event mid-stream", S(("malformed_after", 5)), "upstream", Tokens: 5);
        yield return new("stall longer than the idle timeout", S(("stall_after", 5)), "timeout", Tokens: 5);
        yield return new("never answers the connection", S(("hang", true)), "timeout");
    }

    protected abstract IReadOnlyDictionary<string, ProviderFault> Faults { get; }

    protected static Dictionary<string, ProviderFault> ByName(IEnumerable<ProviderFault> faults) => faults.ToDictionary(f => f.Name);

    protected async Task Fault_leads_to_its_code_keeps_the_partial_text_and_leaves_nothing_running(string name)
    {
        var fault = Faults[name];
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(fault.Script) });
        var events = await stream.ReadToEndAsync();

        var error = events[^2];
        Assert.Equal("error", error.Type);
        Assert.True(events[^1].IsDoneMarker);
        Assert.Equal(fault.Code, error.Json.GetProperty("error").GetProperty("code").GetString());
        var message = error.Json.GetProperty("error").GetProperty("message").GetString()!;
        AssertFrench(message);
        if (fault.Mentions is { } mentions) Assert.Contains(mentions, message);

        var partial = FakeText.Text(fault.Tokens);
        Assert.Equal(partial, stream.Text);
        var saved = LastAnswer(await GetConversation(stream.ConversationId!));
        Assert.Equal("error", saved.GetProperty("status").GetString());
        Assert.Equal(fault.Code, saved.GetProperty("stop_reason").GetString());
        Assert.Equal(partial, saved.GetProperty("content").GetString());

        // The provider connection is closed: no fault keeps it open (stall, hang) and nothing is retried.
        var request = Assert.Single(Host.Fake.Requests);
        Assert.NotEqual("running", request.Outcome);
        if (request.Outcome is "stalled" or "hung") Assert.NotNull(request.DisconnectedAt);
        await AssertNoAnswerRunningAsync();

        await using var next = await ChatStreamReader.OpenAsync(Http,
            new { content = Directive.Message(new { text = "Tout va bien.", tps = 0, ttft_ms = 0 }), conversation_id = stream.ConversationId });
        var nextEvents = await next.ReadToEndAsync();
        Assert.Equal("done", nextEvents[^2].Type);
        Assert.Equal("Tout va bien.", next.Text);
        Assert.Equal("complete", LastAnswer(await GetConversation(stream.ConversationId!)).GetProperty("status").GetString());
        await AssertNoAnswerRunningAsync();
    }

    protected async Task A_1000000_character_answer_comes_through_whole_and_is_saved()
    {
        var clock = Stopwatch.StartNew();
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { chars = 1_000_000, tps = 0, ttft_ms = 0 }) });
        var events = await stream.ReadToEndAsync();
        var streamed = clock.Elapsed;

        var expected = string.Concat(FakeText.OfLength(1_000_000));
        Assert.Equal("done", events[^2].Type);
        Assert.Equal(1_000_000, stream.Text.Length);
        Assert.Equal(expected, stream.Text);
        var saved = LastAnswer(await GetConversation(stream.ConversationId!));
        Assert.Equal("complete", saved.GetProperty("status").GetString());
        Assert.Equal(expected, saved.GetProperty("content").GetString());
        output.WriteLine($"1,000,000 characters in {stream.Deltas.Count()} deltas streamed in {streamed.TotalSeconds:0.0} s");
        await AssertNoAnswerRunningAsync();
    }
}

public sealed class AnthropicFaultTests(ITestOutputHelper output) : ProviderFaultTests(output)
{
    private static readonly Dictionary<string, ProviderFault> All = ByName(CommonFaults().Concat(
    [
        // The Anthropic SDK throws the event's error type: overloaded_error, api_error…
        new("error event mid-stream (overloaded)", new() { ["tokens"] = 12, ["tps"] = 0, ["ttft_ms"] = 0, ["error_after"] = 5 }, "overloaded", Tokens: 5),
        new("error event mid-stream (api_error)", new() { ["tokens"] = 12, ["tps"] = 0, ["ttft_ms"] = 0, ["error_after"] = 5, ["error_type"] = "api_error" }, "upstream", Tokens: 5),
    ]));

    protected override IReadOnlyDictionary<string, ProviderFault> Faults => All;

    public static TheoryData<string> Names => [.. All.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public Task Each_fault(string name) => Fault_leads_to_its_code_keeps_the_partial_text_and_leaves_nothing_running(name);

    [Fact]
    public Task Long_answer() => A_1000000_character_answer_comes_through_whole_and_is_saved();
}

public sealed class OpenAiFaultTests(ITestOutputHelper output) : ProviderFaultTests(output)
{
    protected override string? Provider => "openai";

    private static readonly Dictionary<string, ProviderFault> All = ByName(CommonFaults().Concat(
    [
        // The OpenAI SDK ends the stream quietly on an error event: an answer without a finish reason was cut.
        new("error event mid-stream", new() { ["tokens"] = 12, ["tps"] = 0, ["ttft_ms"] = 0, ["error_after"] = 5 }, "upstream", Tokens: 5),
    ]));

    protected override IReadOnlyDictionary<string, ProviderFault> Faults => All;

    public static TheoryData<string> Names => [.. All.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public Task Each_fault(string name) => Fault_leads_to_its_code_keeps_the_partial_text_and_leaves_nothing_running(name);

    [Fact]
    public Task Long_answer() => A_1000000_character_answer_comes_through_whole_and_is_saved();
}
