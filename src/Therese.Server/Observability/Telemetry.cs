namespace Therese.Server.Observability;

/// <summary>The names under which THÉRÈSE's telemetry is found.</summary>
public static class Telemetry
{
    /// <summary>The <c>service.name</c> of every span and metric, unless OTEL_SERVICE_NAME says otherwise.</summary>
    public const string ServiceName = "therese";

    /// <summary>The meter of THÉRÈSE's own instruments: answers running, time to first token, speed, ends, errors.</summary>
    public const string Meter = "Therese";

    /// <summary>
    /// The activity source and meter of the chat pipeline (Microsoft.Extensions.AI's OpenTelemetryChatClient): one
    /// <c>chat {model}</c> span per provider call and the <c>gen_ai.client.*</c> metrics, after the GenAI semantic conventions.
    /// </summary>
    public const string LlmSource = "Therese.Llm";

    /// <summary>Where Prometheus scrapes, when Therese:Telemetry:Prometheus is on.</summary>
    public const string MetricsPath = "/metrics";
}
