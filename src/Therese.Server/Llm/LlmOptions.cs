namespace Therese.Server.Llm;

/// <summary>
/// How THÉRÈSE talks to any provider (Therese:Llm). Which provider, model and key are model settings
/// (see Settings/), chosen in the page or pinned by configuration.
/// </summary>
public sealed class LlmOptions
{
    public const string Section = "Therese:Llm";

    /// <summary>An answer fails with <c>timeout</c> when no token comes for this long.</summary>
    public int IdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Retries of a failed request, only before the answer has started (the SDKs' own retry).</summary>
    public int MaxRetries { get; set; } = 2;
}
