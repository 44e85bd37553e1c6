using System.Text.Json;
using System.Text.Json.Serialization;

namespace Therese.Server.Chat;

/// <summary>The body of POST /api/chat/stream and /api/chat/message.</summary>
public sealed record ChatRequest(
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("conversation_id")] string? ConversationId,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("resumable")] bool Resumable = false)
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
    public static async Task<(ChatRequest? Request, IResult? Problem)> ReadAsync(HttpRequest http, JsonSerializerOptions json, int maxLength)
    {
        var (request, problem) = await JsonBody.ReadAsync<ChatRequest>(http, json);
        if (request is null) return (null, problem);

        var action = request.EffectiveAction;
        if (action is not (Actions.Send or Actions.Regenerate or Actions.Continue))
            return (null, Problems.BadRequest("invalid_request", "L’action demandée est inconnue (send, regenerate ou continue)."));

        if (action == Actions.Send)
        {
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
