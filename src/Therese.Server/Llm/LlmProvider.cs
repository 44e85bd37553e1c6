using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Therese.Server.Llm;

/// <summary>The configured model, or the reason there is none. Built once at start-up.</summary>
public sealed class LlmProvider
{
    public IChatClient? Client { get; }
    public LlmOptions Options { get; }
    public string Name { get; }

    public bool IsConfigured => Client is not null;

    private LlmProvider(IChatClient? client, LlmOptions options, string name)
    {
        Client = client;
        Options = options;
        Name = name;
    }

    public static LlmProvider Create(LlmOptions options, IConfiguration config, ILoggerFactory loggers)
    {
        var anthropicKey = options.ApiKey ?? config["ANTHROPIC_API_KEY"];
        var openAiKey = options.ApiKey ?? config["OPENAI_API_KEY"];
        var openAiUrl = options.BaseUrl ?? config["OPENAI_BASE_URL"];
        var provider = options.Provider?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(provider))
            provider = !string.IsNullOrEmpty(anthropicKey) ? "anthropic"
                : !string.IsNullOrEmpty(openAiKey) || !string.IsNullOrEmpty(openAiUrl) ? "openai"
                : null;

        IChatClient? inner = provider switch
        {
            "anthropic" when !string.IsNullOrEmpty(anthropicKey) =>
                Anthropic(options, anthropicKey, options.BaseUrl ?? config["ANTHROPIC_BASE_URL"]),
            "openai" when !string.IsNullOrEmpty(openAiKey) || !string.IsNullOrEmpty(openAiUrl) =>
                OpenAiCompatible(options, openAiKey, openAiUrl),
            _ => null,
        };
        if (inner is null)
        {
            loggers.CreateLogger<LlmProvider>().LogWarning(
                "No model is configured (provider {Provider}); the chat endpoints answer 503 not_configured", provider ?? "none");
            return new LlmProvider(null, options, provider ?? "none");
        }

        var client = new ChatClientBuilder(inner).UseLogging(loggers).Build();
        return new LlmProvider(client, options, provider!);
    }

    private static IChatClient Anthropic(LlmOptions options, string apiKey, string? baseUrl)
    {
        var client = new AnthropicClient(new Anthropic.Core.ClientOptions
        {
            ApiKey = apiKey,
            BaseUrl = string.IsNullOrWhiteSpace(baseUrl) ? "https://api.anthropic.com" : baseUrl.TrimEnd('/'),
            HttpClient = ProviderHttp.CreateClient(),
            MaxRetries = options.MaxRetries,
            // A long answer can stream for many minutes; stalls are caught by the idle timeout instead.
            Timeout = TimeSpan.FromHours(1),
        });
        return client.AsIChatClient(options.Model ?? "claude-sonnet-4-5", options.MaxTokens);
    }

    private static IChatClient OpenAiCompatible(LlmOptions options, string? apiKey, string? baseUrl)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Transport = new HttpClientPipelineTransport(ProviderHttp.CreateClient()),
            RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
            NetworkTimeout = TimeSpan.FromHours(1),
        };
        if (!string.IsNullOrWhiteSpace(baseUrl))
            clientOptions.Endpoint = new Uri(baseUrl.TrimEnd('/'));
        // Local servers (Ollama, llama.cpp) need no key, but the SDK wants one.
        var credential = new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "no-key" : apiKey);
        return new OpenAIClient(credential, clientOptions)
            .GetChatClient(options.Model ?? "gpt-4o-mini")
            .AsIChatClient();
    }
}
