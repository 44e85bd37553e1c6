using Therese.Server.Llm;
using Therese.Server.Llm.Local;
using Therese.Server.Settings;

namespace Therese.Server.Attachments.Prompt;

/// <summary>
/// How much a model reads at once, in tokens, and how THÉRÈSE estimates tokens before sending (no tokenizer is shared
/// by every provider: an estimate on the safe side, fewer characters per token than French really takes).
/// </summary>
public sealed record ModelContext(string Provider, string Model, int ContextTokens, int AnswerTokens)
{
    public bool IsClaude => Provider == Providers.Anthropic;
    public bool IsLocal => Provider == Providers.Local;

    /// <summary>French runs about 3.5–4 characters per token with Claude's and GPT's tokenizers; a small local model's, fewer.</summary>
    public double CharsPerToken => IsLocal ? 2.5 : 3.0;

    public int Tokens(string text) => (int)Math.Ceiling(text.Length / CharsPerToken);

    public int Chars(int tokens) => (int)Math.Floor(Math.Max(0, tokens) * CharsPerToken);

    public static ModelContext For(ActiveModel model, AttachmentsOptions options, LocalModelOptions local)
    {
        var settings = model.Settings;
        var context = options.ContextTokens > 0 ? options.ContextTokens : settings.Provider switch
        {
            Providers.Anthropic => 200_000,
            Providers.OpenAi when settings.BaseUrl is null || settings.BaseUrl.Contains("api.openai.com", StringComparison.OrdinalIgnoreCase) => 128_000,
            // Ollama, LM Studio, llama.cpp and the like often run with a small context: better cut than be cut silently by them.
            Providers.OpenAi => 8_192,
            Providers.Local => local.ContextSize is > 0 and var size ? size : LocalModelOptions.DefaultMaxContext,
            _ => 8_192,
        };
        // Room for the answer: its longest length, but never more than a quarter of a small context.
        var answer = Math.Min(settings.MaxTokens, context / 4);
        return new ModelContext(settings.Provider ?? "", settings.Model, context, answer);
    }
}
