using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Therese.Tests.Chat;

namespace Therese.Tests.Observability;

/// <summary>
/// The chat span of each provider, as an OpenTelemetry SDK receives it: the GenAI attributes, and never the question,
/// the answer, the system prompt or the key.
/// </summary>
public sealed class GenAiTraceTests
{
    private const string Question = "Quelle est la recette secrète de la tarte Tatin de Lamotte-Beuvron ?";
    private const string Answer = "On caramélise les pommes avant de retourner la tarte.";

    [Theory]
    [InlineData("anthropic")]
    [InlineData("openai")]
    public async Task The_chat_span_has_the_gen_ai_attributes_and_no_text(string provider)
    {
        var model = $"modele-trace-{provider}-" + Guid.NewGuid().ToString("N")[..8];
        var spans = new List<Activity>();
        // The SDK listens to the source by name, in this whole process: this test's span is the one with its model.
        // Always sampled: this server traces nothing itself, so its request span exists (for log scopes) but is not
        // recorded, and the default parent-based sampler would drop its children; with OTLP on, THÉRÈSE records it.
        using (Sdk.CreateTracerProviderBuilder().AddSource("Therese.Llm").SetSampler(new AlwaysOnSampler()).AddInMemoryExporter(spans).Build())
        {
            // Any export turns the chat pipeline's telemetry on; Prometheus sets up no tracing of its own.
            await using var host = await ThereseHost.StartAsync(provider, new Dictionary<string, string?>
            {
                ["Therese:Llm:Model"] = model,
                ["Therese:Telemetry:Prometheus"] = "true",
            });
            using var http = host.CreateClient();
            await using var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(new { text = Answer, tps = 0, ttft_ms = 10 }, Question) });
            await stream.ReadToEndAsync();
            Assert.Equal(Answer, stream.Text);
        }

        List<Activity> mine;
        lock (spans) mine = spans.Where(s => Equals(s.GetTagItem("gen_ai.request.model"), model)).ToList();
        var span = Assert.Single(mine);
        Assert.Equal($"chat {model}", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(provider, span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(4096, Convert.ToInt32(span.GetTagItem("gen_ai.request.max_tokens"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(Convert.ToInt32(span.GetTagItem("gen_ai.usage.output_tokens"), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);

        var everything = string.Join("\n", span.TagObjects.Select(t => $"{t.Key}={Flatten(t.Value)}")
            .Concat(span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={Flatten(t.Value)}")))
            .Concat(span.Baggage.Select(b => $"{b.Key}={b.Value}")));
        Assert.DoesNotContain("tarte Tatin", everything);
        Assert.DoesNotContain("caramélise", everything);
        Assert.DoesNotContain("THÉRÈSE", everything);
        Assert.DoesNotContain("test-key", everything);
        Assert.DoesNotContain(span.TagObjects, t => t.Key is "gen_ai.input.messages" or "gen_ai.output.messages" or "gen_ai.system_instructions");
    }

    [Fact]
    public async Task Without_an_exporter_the_chat_pipeline_makes_no_span()
    {
        var model = "modele-sans-export-" + Guid.NewGuid().ToString("N")[..8];
        var spans = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder().AddSource("Therese.Llm").SetSampler(new AlwaysOnSampler()).AddInMemoryExporter(spans).Build())
        {
            await using var host = await ThereseHost.StartAsync("anthropic", new Dictionary<string, string?> { ["Therese:Llm:Model"] = model });
            using var http = host.CreateClient();
            await using var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(new { text = Answer, tps = 0, ttft_ms = 10 }, Question) });
            await stream.ReadToEndAsync();
            Assert.Equal(Answer, stream.Text);
        }
        lock (spans) Assert.DoesNotContain(spans, s => Equals(s.GetTagItem("gen_ai.request.model"), model));
    }

    private static string Flatten(object? value) => value switch
    {
        null => "",
        string s => s,
        System.Collections.IEnumerable items => string.Join(",", items.Cast<object?>().Select(Flatten)),
        _ => value.ToString() ?? "",
    };
}
