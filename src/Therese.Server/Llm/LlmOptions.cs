namespace Therese.Server.Llm;

/// <summary>The Therese:Llm configuration section.</summary>
public sealed class LlmOptions
{
    public const string Section = "Therese:Llm";

    public string? Provider { get; set; }
    public string? Model { get; set; }
    public string? BaseUrl { get; set; }
    public string? ApiKey { get; set; }
    public int MaxTokens { get; set; } = 4096;
    public string SystemPrompt { get; set; } = DefaultSystemPrompt;
    public int IdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Retries of a failed request, only before the answer has started (the SDKs' own retry).</summary>
    public int MaxRetries { get; set; } = 2;

    public const string DefaultSystemPrompt =
        "Tu es THÉRÈSE, une assistante IA française pour les entrepreneurs, les petites entreprises, " +
        "les mairies et les associations. Tu réponds en français, avec clarté et concision, " +
        "en utilisant le Markdown quand il aide la lecture (listes, tableaux, blocs de code). " +
        "Si une question sort de ce que tu sais, dis-le simplement.";
}
