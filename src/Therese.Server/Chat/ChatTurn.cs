using Microsoft.Extensions.AI;
using Therese.Server.Conversations;
using Therese.Server.Llm;

namespace Therese.Server.Chat;

/// <summary>One answer to produce: where it goes, what is saved with it, and what the model reads.</summary>
public sealed record ChatTurn
{
    public required string ConversationId { get; init; }

    /// <summary>The model in force when the message was sent: the answer finishes on it whatever the settings become.</summary>
    public required ActiveModel Model { get; init; }

    /// <summary>Set when the conversation does not exist yet: it is created with this title.</summary>
    public string? NewConversationTitle { get; init; }

    /// <summary>The user's message to save (absent for regenerate and continue).</summary>
    public Message? UserMessage { get; init; }

    public required string AssistantId { get; init; }
    public int AssistantPosition { get; init; }

    /// <summary>Regenerate: the answer this one replaces, hidden but kept.</summary>
    public string? ReplacesId { get; init; }

    /// <summary>Continue: the answer is appended to this saved text.</summary>
    public bool Continues { get; init; }
    public string ExistingText { get; init; } = "";

    /// <summary>Everything the model reads: the system prompt and the whole conversation.</summary>
    public required IReadOnlyList<ChatMessage> History { get; init; }
}
