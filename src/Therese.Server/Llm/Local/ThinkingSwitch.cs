using LLama;
using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Local;

/// <summary>
/// What a GGUF model's own chat template does about thinking, which llama.cpp's built-in formatting (no Jinja) leaves
/// out. Qwen3's template has a switch, <c>enable_thinking</c>: off, it writes an empty think block after the assistant
/// header, so the model answers at once; THÉRÈSE does the same when « Réflexion approfondie » is off. Templates that
/// open the block themselves (DeepSeek-R1's distillations: <c>…&lt;think&gt;\n</c> at the end of the generation
/// prompt) get it too: the answer then starts as reasoning, and THÉRÈSE knows it before the first token.
/// </summary>
internal static class ThinkingSwitch
{
    private const string TemplateKey = "tokenizer.chat_template";

    /// <summary>What to write after the assistant header of a new answer.</summary>
    public static string SuffixFor(LLamaWeights weights, ChatOptions? options)
    {
        if (!weights.Metadata.TryGetValue(TemplateKey, out var template)) return "";
        if (template.Contains("enable_thinking", StringComparison.Ordinal))
            return options?.Reasoning?.Effort is null or ReasoningEffort.None ? "<think>\n\n</think>\n\n" : "";
        var generation = template.LastIndexOf("add_generation_prompt", StringComparison.Ordinal);
        return generation >= 0 && template.IndexOf("<think>", generation, StringComparison.Ordinal) >= 0 ? "<think>\n" : "";
    }

    /// <summary>The prompt ends inside an open think block: what the model writes first is reasoning.</summary>
    public static bool Opened(string prompt) => prompt.TrimEnd().EndsWith("<think>", StringComparison.Ordinal);
}
