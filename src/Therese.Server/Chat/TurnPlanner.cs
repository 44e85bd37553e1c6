using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Therese.Server.Conversations;
using Therese.Server.Llm;
using Therese.Server.Llm.Reasoning;
using Therese.Server.Storage;

namespace Therese.Server.Chat;

/// <summary>Reads the conversation and applies the rules of send, regenerate and continue. Writes nothing.</summary>
public sealed class TurnPlanner(IDbContextFactory<ThereseDb> dbs, TimeProvider clock)
{
    /// <param name="ownerId">Team mode: only this person's conversations exist for them; null in personal mode.</param>
    public async Task<(ChatTurn? Turn, TurnRefusal? Refusal)> PlanAsync(ChatRequest request, ActiveModel model, string? ownerId, CancellationToken ct)
    {
        var shown = new List<Message>();
        string conversationId;
        string? newTitle = null;
        if (string.IsNullOrEmpty(request.ConversationId))
        {
            conversationId = Ids.New();
            newTitle = Conversation.TitleFrom(request.Content!);
        }
        else
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            if (!await db.Conversations.AnyAsync(c => c.Id == request.ConversationId && c.OwnerId == ownerId, ct)) return (null, TurnRefusal.NotFound);
            conversationId = request.ConversationId;
            shown = await db.Messages.AsNoTracking()
                .Where(m => m.ConversationId == conversationId && !m.Hidden)
                .OrderBy(m => m.Position)
                .ToListAsync(ct);
        }

        var last = shown.LastOrDefault();
        switch (request.EffectiveAction)
        {
            case ChatRequest.Actions.Regenerate:
                if (last is not { Role: Roles.Assistant } || last.Status == MessageStatus.Streaming)
                    return (null, TurnRefusal.NothingToRegenerate);
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    OwnerId = ownerId,
                    Model = model,
                    AssistantId = Ids.New(),
                    ReplacesId = last.Id,
                    History = History(model, shown[..^1]),
                    Options = AnswerOptions.For(model.Settings),
                }, null);

            case ChatRequest.Actions.Continue:
                if (last is not { Role: Roles.Assistant } || !MessageStatus.CanContinue(last.Status) || string.IsNullOrWhiteSpace(last.Content))
                    return (null, TurnRefusal.NothingToContinue);
                // The model carries on from its own partial text; Anthropic refuses a prefill that ends in white space.
                var existing = Trimmed(last.AllParts());
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    OwnerId = ownerId,
                    Model = model,
                    AssistantId = last.Id,
                    Continues = true,
                    ExistingParts = existing,
                    History = [.. History(model, shown[..^1]), new ChatMessage(ChatRole.Assistant, MessageParts.TextOf(existing))],
                    Options = AnswerOptions.For(model.Settings, continuing: true),
                }, null);

            default:
                var user = new Message
                {
                    Id = Ids.New(),
                    ConversationId = conversationId,
                    Role = Roles.User,
                    Content = request.Content!,
                    Status = MessageStatus.Complete,
                    CreatedAt = clock.GetUtcNow(),
                };
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    OwnerId = ownerId,
                    Model = model,
                    NewConversationTitle = newTitle,
                    UserMessage = user,
                    AssistantId = Ids.New(),
                    History = [.. History(model, shown), new ChatMessage(ChatRole.User, user.Content)],
                    Options = AnswerOptions.For(model.Settings),
                }, null);
        }
    }

    private static List<ChatMessage> History(ActiveModel model, IEnumerable<Message> saved)
    {
        var history = new List<ChatMessage> { new(ChatRole.System, model.Settings.SystemPrompt) };
        foreach (var m in saved)
        {
            // A failed answer with no text says nothing to the model; a partial one is what the user saw.
            if (string.IsNullOrWhiteSpace(m.Content)) continue;
            history.Add(m.Role == Roles.User
                ? new ChatMessage(ChatRole.User, m.Content)
                : ReasoningHistory.AssistantMessage(model.Name, m.AllParts()));
        }
        return history;
    }

    /// <summary>The parts of a partial answer, its last text without trailing white space.</summary>
    private static List<MessagePart> Trimmed(IReadOnlyList<MessagePart> parts)
    {
        var trimmed = parts.ToList();
        if (trimmed.Count > 0 && trimmed[^1] is TextPart last) trimmed[^1] = new TextPart(last.Text.TrimEnd());
        return trimmed;
    }
}

public static class Ids
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}
