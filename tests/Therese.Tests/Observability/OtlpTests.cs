using Therese.Tests.Chat;

namespace Therese.Tests.Observability;

/// <summary>
/// With a collector configured (Therese:Telemetry:OtlpEndpoint, here over http/protobuf), THÉRÈSE pushes its traces and
/// metrics there, as "therese", with no text of the conversation in either.
/// </summary>
public sealed class OtlpTests : IAsyncLifetime
{
    private const string Question = "Combien de pommes faut-il pour la tarte des demoiselles Tatin ?";
    private const string Answer = "Il faut compter huit pommes reinettes bien fermes.";

    private OtlpReceiver _collector = null!;
    private ThereseHost _host = null!;
    private readonly string _model = "modele-otlp-" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        _collector = await OtlpReceiver.StartAsync();
        _host = await ThereseHost.StartAsync("anthropic", new Dictionary<string, string?>
        {
            ["Therese:Llm:Model"] = _model,
            ["Therese:Telemetry:OtlpEndpoint"] = _collector.BaseUrl,
            // The standard variables, read as the OpenTelemetry SDK reads them: the protocol, and short delays for a test.
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _collector.DisposeAsync();
    }

    [Fact]
    public async Task Traces_and_metrics_reach_the_collector_without_the_conversation()
    {
        using var http = _host.CreateClient();
        await using (var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(new { text = Answer, tps = 0, ttft_ms = 10 }, Question) }))
        {
            await stream.ReadToEndAsync();
            Assert.Equal(Answer, stream.Text);
        }

        // The chat span with its model, the request that started it, and the database writes, all from "therese".
        var traces = await _collector.WaitForAsync("traces", "therese", "Therese.Llm", "gen_ai.operation.name", $"chat {_model}",
            "/api/chat/stream", "OpenTelemetry.Instrumentation.EntityFrameworkCore", "INSERT INTO \"messages\"");
        // THÉRÈSE's own metrics beside the GenAI ones.
        var metrics = await _collector.WaitForAsync("metrics", "therese", "therese.answers.ended", "therese.answer.time_to_first_token",
            "therese.answer.output_tokens_per_second", "gen_ai.client.operation.duration", _model);

        // The collector itself is not traced (it shares this process).
        Assert.DoesNotContain("/v1/{signal}", traces);
        foreach (var sent in new[] { traces, metrics })
        {
            Assert.DoesNotContain("demoiselles Tatin", sent);
            Assert.DoesNotContain("pommes reinettes", sent);
            Assert.DoesNotContain("Tu es THÉRÈSE", sent);
            Assert.DoesNotContain("test-key", sent);
        }
    }
}
