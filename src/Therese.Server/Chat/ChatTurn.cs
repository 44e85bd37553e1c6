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

    /// <summary>Team mode: the person the conversation belongs to (their usage is counted); null in personal mode.</summary>
    public string? OwnerId { get; init; }

    /// <summary>Set when the conversation does not exist yet: it is created with this title.</summary>
    public string? NewConversationTitle { get; init; }

    /// <summary>The user's message to save (absent for regenerate and continue).</summary>
    public Message? UserMessage { get; init; }

    public required string AssistantId { get; init; }

    /// <summary>Regenerate: the answer this one replaces, hidden but kept as an earlier version.</summary>
    public string? ReplacesId { get; init; }

    /// <summary>Continue: the answer is appended to these saved parts (its text, and the reasoning it had).</summary>
    public bool Continues { get; init; }
    public IReadOnlyList<MessagePart> ExistingParts { get; init; } = [];

    /// <summary>Everything the model reads: the system prompt and the whole conversation.</summary>
    public required IReadOnlyList<ChatMessage> History { get; init; }

    /// <summary>The request carries images (attachments): a refusal of them is explained as « this model does not read images ».</summary>
    public bool SendsImages { get; init; }

    /// <summary>The MCP tools the model may call during this answer; null when none (or the local model, which cannot).</summary>
    public Tools.AnswerTools? Tools { get; init; }

    /// <summary>
    /// Whether someone can be asked to allow a tool call: not on <c>POST /api/chat/message</c>, whose caller gets only the
    /// final text (no message or call id to decide with), so such a call is refused and the model told.
    /// </summary>
    public bool CanAsk { get; init; } = true;

    /// <summary>What is asked of the model (longest answer, reasoning); null: the model's settings' longest answer alone.</summary>
    public ChatOptions? Options { get; init; }

    public StartEvent Start => StartEvent.From(ConversationId, AssistantId, UserMessage?.Id, ExistingParts, NewConversationTitle);
}

/// <summary>Why a message cannot be answered: the HTTP status, a stable code and a French sentence.</summary>
public sealed record TurnRefusal(int Status, string Code, string Message)
{
    public static readonly TurnRefusal NotFound = new(404, "not_found", "Cette conversation n’existe pas ou a été supprimée.");
    public static readonly TurnRefusal NothingToRegenerate = new(409, "nothing_to_regenerate", "Il n’y a pas de réponse terminée à régénérer.");
    public static readonly TurnRefusal NothingToContinue = new(409, "nothing_to_continue", "Seule une réponse interrompue peut être continuée.");
    public static readonly TurnRefusal BudgetExhausted = new(402, "budget_exhausted",
        "Vous avez utilisé tout votre budget de jetons pour ce mois-ci. Il se renouvelle le 1er du mois ; l’administrateur de THÉRÈSE peut aussi l’augmenter.");
    public static readonly TurnRefusal AttachmentNotFound = new(404, "not_found", "Une pièce jointe de ce message n’existe pas ou a été supprimée.");
    public static readonly TurnRefusal LocalModelImages = new(422, Llm.ProviderError.ImagesUnsupportedCode,
        "Le modèle local de THÉRÈSE ne lit pas les images. Retirez l’image, ou choisissez dans les Réglages un modèle qui les lit (Claude, par exemple) ; votre message est conservé.");
    public static readonly TurnRefusal Busy = new(409, "conversation_busy",
        "THÉRÈSE répond déjà dans cette conversation. Attendez la fin de la réponse, ou arrêtez-la, avant d’envoyer un autre message.");
}
