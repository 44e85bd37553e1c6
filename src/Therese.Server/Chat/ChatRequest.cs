using System.Text.Json;
using System.Text.Json.Serialization;

namespace Therese.Server.Chat;

/// <summary>The body of POST /api/chat/stream and /api/chat/message.</summary>
public sealed record ChatRequest(
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("conversation_id")] string? ConversationId,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("resumable")] bool Resumable = false,
    [property: JsonPropertyName("attachments")] IReadOnlyList<string>? Attachments = null)
{
    public static class Actions
    {
        public const string Send = "send";
        public const string Regenerate = "regenerate";
        public const string Continue = "continue";
    }

    public string EffectiveAction => string.IsNullOrEmpty(Action) ? Actions.Send : Action;

    /// <summary>Reads and validates the body; on failure, the problem to answer instead.</summary>
    /// <param name="maxLength">The longest message accepted (Therese:Limits:MaxMessageLength).</param>
    /// <param name="maxAttachments">The most files one message may carry (Therese:Attachments:MaxPerMessage).</param>
    public static async Task<(ChatRequest? Request, IResult? Problem)> ReadAsync(HttpRequest http, JsonSerializerOptions json, int maxLength, int maxAttachments = 10)
    {
        var (request, problem) = await JsonBody.ReadAsync<ChatRequest>(http, json);
        if (request is null) return (null, problem);

        var action = request.EffectiveAction;
        if (action is not (Actions.Send or Actions.Regenerate or Actions.Continue))
            return (null, Problems.BadRequest("invalid_request", "L’action demandée est inconnue (send, regenerate ou continue)."));

        if (request.Attachments is { } attachments)
        {
            if (action != Actions.Send && attachments.Count > 0)
                return (null, Problems.BadRequest("invalid_request", "Seul un nouveau message peut porter des pièces jointes."));
            if (attachments.Count > maxAttachments)
                return (null, Problems.BadRequest("invalid_request", $"Un message peut porter {maxAttachments} pièces jointes au plus."));
            if (attachments.Any(id => string.IsNullOrWhiteSpace(id) || id.Length > 64))
                return (null, Problems.BadRequest("invalid_request", "Une pièce jointe est désignée par un identifiant invalide."));
            if (attachments.Distinct(StringComparer.Ordinal).Count() != attachments.Count)
                return (null, Problems.BadRequest("invalid_request", "La même pièce jointe est donnée deux fois."));
        }

        if (action == Actions.Send)
        {
            // A file sent alone is a message too (« what is this? » goes without saying).
            if (string.IsNullOrWhiteSpace(request.Content) && request.Attachments is { Count: > 0 })
                return (request with { Content = "" }, null);
            if (string.IsNullOrWhiteSpace(request.Content))
                return (null, Problems.BadRequest("invalid_request", "Le message est vide : écrivez quelque chose avant d’envoyer."));
            if (request.Content.Length > maxLength)
                return (null, Problems.ContentTooLong(maxLength));
        }
        else if (string.IsNullOrEmpty(request.ConversationId))
        {
            return (null, Problems.BadRequest("invalid_request", "Cette action demande l’identifiant de la conversation."));
        }

        return (request, null);
    }
}
