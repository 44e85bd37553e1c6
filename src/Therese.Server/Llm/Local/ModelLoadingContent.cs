using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Local;

/// <summary>
/// Sent alone in the first streaming update when the local model must be read from disk before it can answer,
/// so that the chat can say « Chargement du modèle... » instead of its thinking indicator.
/// </summary>
public sealed class ModelLoadingContent(string model) : AIContent
{
    /// <summary>The model name as configured.</summary>
    public string Model { get; } = model;
}
