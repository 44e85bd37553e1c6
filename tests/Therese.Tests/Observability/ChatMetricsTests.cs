using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Therese.Server.Chat;
using Therese.Server.Observability;

namespace Therese.Tests.Observability;

/// <summary>What one answer's measure records, on a fake clock: exact timings, and nothing that is not known.</summary>
public sealed class ChatMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _clock = new();
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _recorded = [];
    private readonly ChatMetrics _metrics;

    public ChatMetricsTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        _listener.Start();
        _metrics = new ChatMetrics(meters);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var all = new Dictionary<string, object?>();
        foreach (var tag in tags) all[tag.Key] = tag.Value;
        _recorded.Add((instrument.Name, value, all));
    }

    private List<(double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
        _recorded.Where(r => r.Instrument == instrument).Select(r => (r.Value, r.Tags)).ToList();

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    private static AnswerOutcome Complete(int outputTokens) =>
        AnswerOutcome.Classify(StopCause.None, null, false, ChatFinishReason.Stop, new Usage(12, outputTokens));

    [Fact]
    public void A_complete_answer_records_its_time_to_first_token_its_speed_and_its_end()
    {
        var measure = _metrics.Begin(_clock, "anthropic", "claude-test");
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        measure.Token();
        _clock.Advance(TimeSpan.FromSeconds(0.5));
        measure.Token();
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        measure.Token();
        _clock.Advance(TimeSpan.FromSeconds(3));
        measure.End(Complete(40));

        var (ttft, tags) = Assert.Single(Of("therese.answer.time_to_first_token"));
        Assert.Equal(1.5, ttft, 6);
        Assert.Equal("anthropic", tags["gen_ai.provider.name"]);
        Assert.Equal("claude-test", tags["gen_ai.request.model"]);
        // 40 tokens from the first word to the last, 2 seconds: the time after the last word is not writing.
        Assert.Equal(20, Assert.Single(Of("therese.answer.output_tokens_per_second")).Value, 6);
        var ended = Assert.Single(Of("therese.answers.ended"));
        Assert.Equal(1, ended.Value);
        Assert.Equal("complete", ended.Tags["therese.answer.status"]);
        Assert.Equal("end_turn", ended.Tags["therese.answer.stop_reason"]);
        Assert.Empty(Of("therese.answer.errors"));
    }

    [Fact]
    public void A_stopped_answer_has_a_time_to_first_token_but_no_speed()
    {
        var measure = _metrics.Begin(_clock, "openai", "gpt-test");
        _clock.Advance(TimeSpan.FromSeconds(0.25));
        measure.Token();
        _clock.Advance(TimeSpan.FromSeconds(1));
        measure.Token();
        measure.End(AnswerOutcome.Classify(StopCause.User, new OperationCanceledException(), false, null, new Usage(12, 1)));

        Assert.Equal(0.25, Assert.Single(Of("therese.answer.time_to_first_token")).Value, 6);
        Assert.Empty(Of("therese.answer.output_tokens_per_second"));
        var ended = Assert.Single(Of("therese.answers.ended"));
        Assert.Equal("stopped", ended.Tags["therese.answer.status"]);
        Assert.Equal("user_stopped", ended.Tags["therese.answer.stop_reason"]);
        Assert.Empty(Of("therese.answer.errors"));
    }

    [Fact]
    public void A_failure_before_any_word_counts_an_error_by_its_code_and_no_timing()
    {
        var measure = _metrics.Begin(_clock, "anthropic", "claude-test");
        _clock.Advance(TimeSpan.FromSeconds(2));
        measure.End(AnswerOutcome.Classify(StopCause.None, new HttpRequestException("refusé", null, HttpStatusCode.Unauthorized), false, null, null));

        Assert.Empty(Of("therese.answer.time_to_first_token"));
        Assert.Empty(Of("therese.answer.output_tokens_per_second"));
        var ended = Assert.Single(Of("therese.answers.ended"));
        Assert.Equal("error", ended.Tags["therese.answer.status"]);
        Assert.Equal("auth", ended.Tags["therese.answer.stop_reason"]);
        var error = Assert.Single(Of("therese.answer.errors"));
        Assert.Equal(1, error.Value);
        Assert.Equal("auth", error.Tags["error.type"]);
        Assert.Equal("anthropic", error.Tags["gen_ai.provider.name"]);
    }

    [Fact]
    public void An_answer_ended_by_shutdown_or_silence_counts_as_interrupted_or_timeout()
    {
        _metrics.Begin(_clock, "local", "qwen").End(AnswerOutcome.Classify(StopCause.Shutdown, null, false, null, null));
        _metrics.Begin(_clock, "local", "qwen").End(AnswerOutcome.Classify(StopCause.Idle, null, false, null, null));

        Assert.Equal(["interrupted", "error"], Of("therese.answers.ended").Select(e => e.Tags["therese.answer.status"]));
        Assert.Equal(["interrupted", "timeout"], Of("therese.answer.errors").Select(e => e.Tags["error.type"]));
    }

    [Fact]
    public void A_one_word_answer_has_no_speed_to_give()
    {
        var measure = _metrics.Begin(_clock, "anthropic", "claude-test");
        _clock.Advance(TimeSpan.FromSeconds(1));
        measure.Token();
        _clock.Advance(TimeSpan.FromSeconds(1));
        measure.End(Complete(1));

        Assert.Single(Of("therese.answer.time_to_first_token"));
        Assert.Empty(Of("therese.answer.output_tokens_per_second"));
    }
}
