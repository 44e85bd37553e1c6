using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using Therese.Server.Llm.Local;
using Therese.Server.Llm.Reasoning;
using Therese.Server.Observability;
using Therese.Server.Settings;

namespace Therese.Server.Llm;

/// <summary>Turns resolved settings into the <see cref="IChatClient"/> pipeline that answers.</summary>
public sealed class ChatClientFactory(IOptions<LlmOptions> options, LocalModelHost local, ILoggerFactory loggers, TelemetryExport telemetry)
{
    /// <summary>The chat pipeline, or null when the settings are not enough to call a model.</summary>
    public IChatClient? Create(ResolvedSettings settings, int? maxRetries = null)
    {
        if (!settings.Configured) return null;
        var retries = maxRetries ?? options.Value.MaxRetries;
        IChatClient? inner = settings.Provider switch
        {
            Providers.Anthropic => Anthropic(settings, retries)
                .AsIChatClient(settings.Model, settings.MaxTokens, ClaudeThinking.ModeFor(settings.Model) ?? AnthropicThinkingMode.Adaptive),
            Providers.OpenAi => new ReasoningEffortFallback(
                new ReasoningFieldChatClient(OpenAi(settings, retries).GetChatClient(settings.Model).AsIChatClient()),
                loggers.CreateLogger<ReasoningEffortFallback>()),
            // The weights load on first use and stay loaded; another model frees them. It parses its own think tags:
            // it knows whether its chat template opened a block in the prompt.
            Providers.Local => new LocalChatClient(local, settings.Model),
            _ => null,
        };
        if (inner is null) return null;
        // Inline <think> blocks become reasoning, whichever server writes them.
        if (settings.Provider != Providers.Local) inner = new ThinkTagChatClient(inner);
        var pipeline = new ChatClientBuilder(inner);
        // GenAI spans and metrics for every provider, when THÉRÈSE exports telemetry at all: the instrumented client keeps
        // a stream's updates until its end to describe it, a cost not to pay for nobody. Never the messages, the prompt
        // or the answer, whatever OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT says; the key is never in them either.
        if (telemetry.Enabled)
            pipeline.UseOpenTelemetry(sourceName: Telemetry.LlmSource, configure: c => c.EnableSensitiveData = false);
        return pipeline.UseLogging(loggers).Build();
    }

    public static AnthropicClient Anthropic(ResolvedSettings settings, int maxRetries) => new(new Anthropic.Core.ClientOptions
    {
        ApiKey = settings.ApiKey ?? "",
        BaseUrl = settings.BaseUrl?.TrimEnd('/') ?? "https://api.anthropic.com",
        HttpClient = ProviderHttp.Shared,
        MaxRetries = maxRetries,
        // A long answer can stream for many minutes; stalls are caught by the idle timeout instead.
        Timeout = TimeSpan.FromHours(1),
    });

    public static OpenAIClient OpenAi(ResolvedSettings settings, int maxRetries)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Transport = new HttpClientPipelineTransport(ProviderHttp.Shared),
            RetryPolicy = new ClientRetryPolicy(maxRetries),
            NetworkTimeout = TimeSpan.FromHours(1),
        };
        if (settings.BaseUrl is { } url) clientOptions.Endpoint = new Uri(url.TrimEnd('/'));
        // Local servers (Ollama, llama.cpp) need no key, but the SDK wants one.
        return new OpenAIClient(new ApiKeyCredential(settings.ApiKey ?? "no-key"), clientOptions);
    }
}
