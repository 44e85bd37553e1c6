namespace Therese.Server.Observability;

/// <summary>What THÉRÈSE exports about itself (Therese:Telemetry). By default nothing: no exporter, no listener.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Therese:Telemetry";

    /// <summary>Serves the metrics on <see cref="Telemetry.MetricsPath"/> in Prometheus's text format, to this machine only.</summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// Pushes traces and metrics over OTLP to this collector. The standard OTEL_EXPORTER_OTLP_ENDPOINT does the same;
    /// this one wins when both are set. OTEL_EXPORTER_OTLP_PROTOCOL (grpc by default, or http/protobuf) applies to both.
    /// </summary>
    public string? OtlpEndpoint { get; set; }
}

/// <summary>Whether THÉRÈSE exports telemetry at all (Prometheus or OTLP). When not, nothing is instrumented beyond its own cheap counters.</summary>
public sealed record TelemetryExport(bool Enabled);
