using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Reasoning;

/// <summary>The « Réflexion approfondie » setting: how hard the model may think before it answers.</summary>
public static class ReasoningLevel
{
    public const string Off = "off";
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";

    public static readonly IReadOnlyList<string> All = [Off, Low, Medium, High];

    /// <summary>The effort asked of the model, or null (off: nothing asked).</summary>
    public static ReasoningEffort? EffortOf(string? level) => level switch
    {
        Low => ReasoningEffort.Low,
        Medium => ReasoningEffort.Medium,
        High => ReasoningEffort.High,
        _ => null,
    };
}
