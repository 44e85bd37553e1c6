using Microsoft.Extensions.AI;
using Therese.Server.Llm.Reasoning;
using Therese.Server.Settings;

namespace Therese.Server.Llm;

/// <summary>What an answer asks of the model: its longest length, and how hard it may think.</summary>
public static class AnswerOptions
{
    /// <param name="continuing">The model carries on from its partial answer (« Continuer »).</param>
    public static ChatOptions For(ResolvedSettings settings, bool continuing = false)
    {
        var options = new ChatOptions { MaxOutputTokens = settings.MaxTokens };
        var effort = ReasoningLevel.EffortOf(settings.Reasoning);
        switch (settings.Provider)
        {
            case Providers.Anthropic:
                // Claude refuses thinking before a prefilled answer: a continued answer carries on without it.
                if (effort is not { } asked || continuing || ClaudeThinking.ModeFor(settings.Model) is not { } mode) break;
                options.Reasoning = new ReasoningOptions { Effort = asked };
                if (mode == AnthropicThinkingMode.Extended) options.MaxOutputTokens = settings.MaxTokens + ClaudeThinking.Budget(asked);
                break;
            case Providers.OpenAi:
                // Off asks nothing: a reasoning model on Ollama or vLLM thinks as it does by default.
                if (effort is { } level) options.Reasoning = new ReasoningOptions { Effort = level };
                break;
            case Providers.Local:
                // Drives the chat template's thinking switch where it has one (Qwen3's enable_thinking).
                options.Reasoning = new ReasoningOptions { Effort = effort ?? ReasoningEffort.None };
                break;
        }
        return options;
    }
}
