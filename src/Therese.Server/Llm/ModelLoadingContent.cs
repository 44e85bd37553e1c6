using Microsoft.Extensions.AI;

namespace Therese.Server.Llm;

/// <summary>
/// Sent by a chat client in an update before its first token while it loads a model (the local
/// provider does, on first use), so the page can say « Chargement du modèle... ».
/// </summary>
public sealed class ModelLoadingContent : AIContent;
