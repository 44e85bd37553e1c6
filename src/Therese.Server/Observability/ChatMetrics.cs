using System.Diagnostics;
using System.Diagnostics.Metrics;
using Therese.Server.Chat;
using Therese.Server.Conversations;

namespace Therese.Server.Observability;

/// <summary>
/// THÉRÈSE's measures of its answers, on the meter <see cref="Telemetry.Meter"/> (beside <c>therese.answers.running</c>,
/// which the registry publishes). Their tags say which provider and model, how the answer ended and with which error
/// code: a handful of values each, never a person, a conversation or any text.
/// </summary>
public sealed class ChatMetrics
{
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _outputSpeed;
    private readonly Counter<long> _ended;
    private readonly Counter<long> _errors;

    public ChatMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Telemetry.Meter);
        _timeToFirstToken = meter.CreateHistogram("therese.answer.time_to_first_token", "s",
            "From the provider call to the first word of the answer (a local model's loading included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120] });
        _outputSpeed = meter.CreateHistogram("therese.answer.output_tokens_per_second", "{token}/s",
            "Output tokens of a complete answer divided by the time from its first to its last word.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 250, 500, 1000] });
        _ended = meter.CreateCounter<long>("therese.answers.ended", "{answer}",
            "Answers that ended, by status (complete, stopped, error, interrupted) and stop reason.");
        _errors = meter.CreateCounter<long>("therese.answer.errors", "{error}",
            "Answers that ended on an error, by the error code the user was shown (error.type).");
    }

    /// <summary>Starts measuring one answer, on the run's clock.</summary>
    public AnswerMeasure Begin(TimeProvider clock, string provider, string model) => new(this, clock, provider, model);

    internal void FirstToken(double seconds, in TagList tags) => _timeToFirstToken.Record(seconds, tags);

    internal void Ended(AnswerOutcome outcome, double? tokensPerSecond, TagList tags)
    {
        if (tokensPerSecond is { } speed) _outputSpeed.Record(speed, tags);
        var byOutcome = tags;
        byOutcome.Add("therese.answer.status", outcome.Status);
        byOutcome.Add("therese.answer.stop_reason", outcome.StopReason);
        _ended.Add(1, byOutcome);
        if (outcome.Error is { } error)
        {
            tags.Add("error.type", error.Code);
            _errors.Add(1, tags);
        }
    }
}

/// <summary>The timings of one answer, fed by its run: when it began, its first and last words, then its end.</summary>
public sealed class AnswerMeasure
{
    private readonly ChatMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly TagList _tags;
    private readonly long _began;
    private long _first;
    private long _last;
    private bool _started;

    internal AnswerMeasure(ChatMetrics metrics, TimeProvider clock, string provider, string model)
    {
        _metrics = metrics;
        _clock = clock;
        _tags = new TagList { { "gen_ai.provider.name", provider }, { "gen_ai.request.model", model } };
        _began = clock.GetTimestamp();
    }

    /// <summary>A piece of text arrived; the first one gives the time to first token.</summary>
    public void Token()
    {
        var now = _clock.GetTimestamp();
        if (!_started)
        {
            _started = true;
            _first = now;
            _metrics.FirstToken(_clock.GetElapsedTime(_began, now).TotalSeconds, _tags);
        }
        _last = now;
    }

    /// <summary>
    /// The answer ended. Its speed is known only for a complete answer with two words or more: a cut stream's token
    /// count is whatever the provider had said so far.
    /// </summary>
    public void End(AnswerOutcome outcome)
    {
        double? speed = null;
        var writing = _clock.GetElapsedTime(_first, _last).TotalSeconds;
        if (outcome.Status == MessageStatus.Complete && _started && writing > 0 && outcome.Usage.OutputTokens > 0)
            speed = outcome.Usage.OutputTokens / writing;
        _metrics.Ended(outcome, speed, _tags);
    }
}
