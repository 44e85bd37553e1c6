using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Reasoning;

/// <summary>
/// Which Claude takes which kind of thinking. Adaptive thinking (<c>thinking.type=adaptive</c> with an effort) is what
/// Claude Opus and Sonnet 4.6 and later take, and Opus 4.7 refuses anything else; Claude 3.7, Claude 4 to 4.5 (Haiku
/// 4.5 included) need budgeted thinking (<c>enabled</c> with <c>budget_tokens</c>); older models cannot think. A name
/// THÉRÈSE does not recognise is taken for a current model.
/// </summary>
public static partial class ClaudeThinking
{
    /// <summary>How to ask this model to think, or null when it cannot.</summary>
    public static AnthropicThinkingMode? ModeFor(string model)
    {
        var name = model.ToLowerInvariant();
        if (Legacy().Match(name) is { Success: true } legacy)
            return legacy.Groups[1].Value == "3-7" ? AnthropicThinkingMode.Extended : null;
        if (Current().Match(name) is not { Success: true } current) return AnthropicThinkingMode.Adaptive;
        var major = int.Parse(current.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // "claude-sonnet-4-20250514": a date, not a minor version.
        var minor = current.Groups[2].Success && current.Groups[2].Value.Length <= 2
            ? int.Parse(current.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        if (major < 4) return null;
        return major > 4 || minor >= 6 ? AnthropicThinkingMode.Adaptive : AnthropicThinkingMode.Extended;
    }

    /// <summary>
    /// The thinking budget the Anthropic adapter sends for an effort in extended mode. THÉRÈSE adds it to the longest
    /// answer, so that thinking never eats the answer's room (the adapter cuts the budget to fit max_tokens otherwise).
    /// </summary>
    public static int Budget(ReasoningEffort effort) => effort switch
    {
        ReasoningEffort.Low => 1024,
        ReasoningEffort.Medium => 8192,
        _ => 16384,
    };

    [GeneratedRegex(@"^claude-(3-7|3-5|3)-")]
    private static partial Regex Legacy();

    [GeneratedRegex(@"^claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d+))?")]
    private static partial Regex Current();
}
