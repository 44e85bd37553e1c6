using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using Therese.Server.Llm.Local;
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
            Providers.Anthropic => Anthropic(settings, retries).AsIChatClient(settings.Model, settings.MaxTokens),
            Providers.OpenAi => OpenAi(settings, retries).GetChatClient(settings.Model).AsIChatClient(),
            // The weights load on first use and stay loaded; another model frees them.
            Providers.Local => new LocalChatClient(local, settings.Model),
            _ => null,
        };
        if (inner is null) return null;
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
