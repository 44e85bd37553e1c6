using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Therese.Tests.Observability;

/// <summary>By default THÉRÈSE exports nothing: no /metrics, no OpenTelemetry SDK at all.</summary>
public sealed class MetricsOffTests : ServerTest
{
    [Fact]
    public async Task Metrics_answer_404_that_says_how_to_turn_them_on_not_the_page()
    {
        using var response = await Http.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Contains("Therese:Telemetry:Prometheus", problem.GetProperty("detail").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
        Assert.DoesNotContain("# TYPE", body);
    }

    [Fact]
    public void No_meter_or_tracer_provider_is_set_up()
    {
        Assert.Null(Host.Services.GetService<MeterProvider>());
        Assert.Null(Host.Services.GetService<TracerProvider>());
    }
}
