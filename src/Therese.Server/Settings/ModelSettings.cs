namespace Therese.Server.Settings;

/// <summary>The providers THÉRÈSE can talk to.</summary>
public static class Providers
{
    public const string Anthropic = "anthropic";
    /// <summary>Any OpenAI-compatible server: OpenAI, Mistral, OpenRouter, Ollama, LM Studio, vLLM…</summary>
    public const string OpenAi = "openai";
    /// <summary>A GGUF model run inside THÉRÈSE.</summary>
    public const string Local = "local";

    public static readonly IReadOnlyList<string> All = [Anthropic, OpenAi, Local];

    public static string DefaultModel(string? provider) => provider switch
    {
        Anthropic => "claude-sonnet-4-5",
        OpenAi => "gpt-4o-mini",
        _ => "",
    };
}

/// <summary>The names of the model settings, as the API and the configuration write them.</summary>
public static class SettingFields
{
    public const string Provider = "provider";
    public const string Model = "model";
    public const string BaseUrl = "base_url";
    public const string ApiKey = "api_key";
    public const string MaxTokens = "max_tokens";
    public const string SystemPrompt = "system_prompt";
    public const string Reasoning = "reasoning";

    public static readonly IReadOnlyList<string> All = [Provider, Model, BaseUrl, ApiKey, MaxTokens, SystemPrompt, Reasoning];
}

/// <summary>Model settings as saved or sent: null means unset, so the next source (or the default) applies.</summary>
public sealed record ModelSettings
{
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public string? BaseUrl { get; init; }
    public string? ApiKey { get; init; }
    public int? MaxTokens { get; init; }
    public string? SystemPrompt { get; init; }
    /// <summary>« Réflexion approfondie »: off, low, medium or high (Llm/Reasoning/ReasoningLevel).</summary>
    public string? Reasoning { get; init; }

    public static readonly ModelSettings Empty = new();

    public const int DefaultMaxTokens = 4096;
    public const int MaxMaxTokens = 200_000;
    public const int MaxModelLength = 200;
    public const int MaxSystemPromptLength = 20_000;

    public const string DefaultSystemPrompt =
        "Tu es THÉRÈSE, une assistante IA française pour les entrepreneurs, les petites entreprises, " +
        "les mairies et les associations. Tu réponds en français, avec clarté et concision, " +
        "en utilisant le Markdown quand il aide la lecture (listes, tableaux, blocs de code). " +
        "Si une question sort de ce que tu sais, dis-le simplement.";

    /// <summary>These settings with every field the patch sets replaced (a cleared field becomes null).</summary>
    public ModelSettings With(SettingsPatch patch) => new()
    {
        Provider = patch.Provider.Or(Provider),
        Model = patch.Model.Or(Model),
        BaseUrl = patch.BaseUrl.Or(BaseUrl),
        ApiKey = patch.ApiKey.Or(ApiKey),
        MaxTokens = patch.MaxTokens.Or(MaxTokens),
        SystemPrompt = patch.SystemPrompt.Or(SystemPrompt),
        Reasoning = patch.Reasoning.Or(Reasoning),
    };
}

/// <summary>
/// The settings in force: each field from the first source that sets it (configuration, then the
/// saved settings, then the default), and where the locked ones come from.
/// </summary>
public sealed record ResolvedSettings
{
    public string? Provider { get; init; }
    public string Model { get; init; } = "";
    public string? BaseUrl { get; init; }
    public string? ApiKey { get; init; }
    public int MaxTokens { get; init; } = ModelSettings.DefaultMaxTokens;
    public string SystemPrompt { get; init; } = ModelSettings.DefaultSystemPrompt;
    public string Reasoning { get; init; } = Llm.Reasoning.ReasoningLevel.Off;

    /// <summary>Fields set by configuration files, environment variables or the command line, with a French description of where.</summary>
    public IReadOnlyDictionary<string, string> Locked { get; init; } = new Dictionary<string, string>();

    /// <summary>Enough is set to call the model (whether the model answers is another matter).</summary>
    public bool Configured => Provider switch
    {
        Providers.Anthropic => !string.IsNullOrEmpty(ApiKey),
        Providers.OpenAi => !string.IsNullOrEmpty(BaseUrl) || !string.IsNullOrEmpty(ApiKey),
        Providers.Local => !string.IsNullOrEmpty(Model),
        _ => false,
    };
}
