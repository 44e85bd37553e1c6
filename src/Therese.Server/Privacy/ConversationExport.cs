using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Conversations;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <summary>
/// THÉRÈSE's JSON export of one conversation: every message, every version (hidden ones too), every part in
/// order, as the API shows them. Parts are written by their own polymorphic contract, so a new kind of part
/// (tool steps, attachments) is exported and imported with no change here.
/// </summary>
public sealed record ConversationExport(string Format, int Version, DateTimeOffset ExportedAt, ExportedConversation Conversation)
{
    public const string FormatName = "therese.conversation";
    public const int CurrentVersion = 1;

    /// <summary>
    /// Snake case like the API; readable accents; server-only properties (a thinking block's provider signature)
    /// left out, as on the API: an export is for people and other tools, and a signature means nothing elsewhere.
    /// Unknown fields are skipped when reading, so that a newer export still imports.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver().WithAddedModifier(ServerOnlyAttribute.LeaveOut),
    };

    public static ConversationExport Of(Conversation c, IEnumerable<Message> messages, DateTimeOffset now) =>
        new(FormatName, CurrentVersion, now, new ExportedConversation(c.Id, c.Title, c.CreatedAt, c.UpdatedAt,
            [.. messages.OrderBy(m => m.Position).ThenBy(m => m.Version).Select(ExportedMessage.Of)]));

    /// <summary>One conversation of this person with all its messages, or null when it is not theirs.</summary>
    public static async Task<(Conversation Conversation, List<Message> Messages)?> LoadAsync(ThereseDb db, string id, string? ownerId, CancellationToken ct)
    {
        var conversation = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.OwnerId == ownerId, ct);
        if (conversation is null) return null;
        var messages = await db.Messages.AsNoTracking().Where(m => m.ConversationId == id)
            .OrderBy(m => m.Position).ThenBy(m => m.Version).ToListAsync(ct);
        return (conversation, messages);
    }
}

public sealed record ExportedConversation(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<ExportedMessage> Messages);

/// <param name="Position">Its place in the conversation (1, 2…); the versions of a regenerated answer share one.</param>
/// <param name="Hidden">An earlier version that another one replaced on screen.</param>
public sealed record ExportedMessage(
    string Id, string Role, string Content, IReadOnlyList<MessagePart> Parts, string Status, string? StopReason,
    int? InputTokens, int? OutputTokens, DateTimeOffset CreatedAt, int Position, int Version, bool Hidden)
{
    public static ExportedMessage Of(Message m) => new(m.Id, m.Role, m.Content, m.AllParts(), m.Status, m.StopReason,
        m.InputTokens, m.OutputTokens, m.CreatedAt, m.Position, m.Version, m.Hidden);
}
