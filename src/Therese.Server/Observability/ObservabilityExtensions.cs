using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Therese.Server.Observability;

/// <summary>
/// OpenTelemetry, through its maintained packages: THÉRÈSE's own metrics (<see cref="ChatMetrics"/>), the GenAI spans
/// and metrics of the chat pipeline, and those of ASP.NET Core, HttpClient, EF Core and Npgsql. Off by default: unless
/// Prometheus or an OTLP collector is configured, no SDK is set up, the chat pipeline is not instrumented, and THÉRÈSE's
/// own instruments, which nothing listens to, cost next to nothing. Message
/// text, prompts and API keys are never exported (see <see cref="Llm.ChatClientFactory"/>).
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>The meters exported besides THÉRÈSE's own: the runtime's (GC, thread pool, memory).</summary>
    private const string RuntimeMeter = "System.Runtime";

    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(TelemetryOptions.Section);
        builder.Services.Configure<TelemetryOptions>(section);
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        var collector = Collector(builder.Configuration, options, out var otlp);
        builder.Services.AddSingleton(new TelemetryExport(options.Prometheus || otlp));
        if (!options.Prometheus && !otlp) return builder;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(
                builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : Telemetry.ServiceName,
                serviceVersion: typeof(ObservabilityExtensions).Assembly.GetName().Version?.ToString(),
                autoGenerateServiceInstanceId: true))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Telemetry.Meter, Telemetry.LlmSource, RuntimeMeter)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (options.Prometheus) metrics.AddPrometheusExporter();
                if (otlp) metrics.AddOtlpExporter(o => PointAt(o, collector, "metrics"));
            });
        // Spans have nowhere to go but a collector: without one, nothing listens and nothing is recorded.
        if (otlp)
            telemetry.WithTracing(tracing => tracing
                .AddSource(Telemetry.LlmSource)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments(Telemetry.MetricsPath))
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(o => PointAt(o, collector, "traces")));
        return builder;
    }

    /// <summary>
    /// /metrics: with Prometheus on, the scrape, for this machine only; off, a 404 that says how to turn it on (rather
    /// than the page, which every other unknown address gets).
    /// </summary>
    public static WebApplication MapObservability(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.Prometheus)
        {
            app.Map(Telemetry.MetricsPath, () => Problems.NotFound(
                    "Les métriques ne sont pas activées. Pour les servir à Prometheus, démarrez THÉRÈSE avec Therese:Telemetry:Prometheus=true."))
                .ExcludeFromDescription();
            return app;
        }
        app.MapPrometheusScrapingEndpoint(Telemetry.MetricsPath, meterProvider: null, configureBranchedPipeline: scrape => scrape.Use(async (http, next) =>
        {
            if (!ScrapeGuard.Admits(http))
            {
                await ScrapeGuard.Refused().ExecuteAsync(http);
                return;
            }
            await next(http);
        }), optionsName: null);
        return app;
    }

    /// <summary>
    /// Where OTLP goes: Therese:Telemetry:OtlpEndpoint, else the exporter's own reading of OTEL_EXPORTER_OTLP_ENDPOINT
    /// (null then). <paramref name="enabled"/> when either is set.
    /// </summary>
    private static Uri? Collector(IConfiguration config, TelemetryOptions options, out bool enabled)
    {
        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            enabled = true;
            return Uri.TryCreate(options.OtlpEndpoint.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new InvalidOperationException($"{TelemetryOptions.Section}:OtlpEndpoint must be an http(s) address, such as http://localhost:4317.");
        }
        enabled = !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        return null;
    }

    /// <summary>
    /// Therese:Telemetry:OtlpEndpoint is a base address, as OTEL_EXPORTER_OTLP_ENDPOINT is: over http/protobuf each
    /// signal goes to its own path under it (the exporter adds it only for the variable).
    /// </summary>
    private static void PointAt(OtlpExporterOptions exporter, Uri? collector, string signal)
    {
        if (collector is null) return;
        exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri($"{collector.AbsoluteUri.TrimEnd('/')}/v1/{signal}")
            : collector;
    }
}
