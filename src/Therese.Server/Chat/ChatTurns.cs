using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Therese.Server.Conversations;
using Therese.Server.Llm;
using Therese.Server.Storage;

namespace Therese.Server.Chat;

/// <summary>Prepares a turn from what is saved, and saves the answer as it goes.</summary>
public sealed class ChatTurns(IDbContextFactory<ThereseDb> dbs, MessageWriter writer, TimeProvider clock)
{
    /// <summary>Reads the conversation and builds the turn, or says why it cannot be done.</summary>
    public async Task<(ChatTurn? Turn, IResult? Problem)> PrepareAsync(ChatRequest request, ActiveModel model, CancellationToken ct)
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
            var exists = await db.Conversations.AnyAsync(c => c.Id == request.ConversationId, ct);
            if (!exists) return (null, Problems.NotFound());
            conversationId = request.ConversationId;
            shown = await db.Messages.AsNoTracking()
                .Where(m => m.ConversationId == conversationId && !m.Hidden)
                .OrderBy(m => m.Position)
                .ToListAsync(ct);
        }

        var now = clock.GetUtcNow();
        var nextPosition = shown.Count == 0 ? 1 : shown[^1].Position + 1;
        switch (request.EffectiveAction)
        {
            case ChatRequest.Actions.Regenerate:
            {
                var last = shown.LastOrDefault();
                if (last is not { Role: Roles.Assistant } || last.Status == MessageStatus.Streaming)
                    return (null, Problems.Create(409, "nothing_to_regenerate", "Il n'y a pas de réponse terminée à régénérer."));
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    Model = model,
                    AssistantId = Ids.New(),
                    AssistantPosition = last.Position,
                    ReplacesId = last.Id,
                    History = History(model, shown[..^1]),
                }, null);
            }
            case ChatRequest.Actions.Continue:
            {
                var last = shown.LastOrDefault();
                if (last is not { Role: Roles.Assistant } || !MessageStatus.CanContinue(last.Status) || string.IsNullOrWhiteSpace(last.Content))
                    return (null, Problems.Create(409, "nothing_to_continue", "Seule une réponse interrompue peut être continuée."));
                // The model carries on from its own partial text; Anthropic refuses a prefill that ends in white space.
                var partial = last.Content.TrimEnd();
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    Model = model,
                    AssistantId = last.Id,
                    AssistantPosition = last.Position,
                    Continues = true,
                    ExistingText = partial,
                    History = [.. History(model, shown[..^1]), new ChatMessage(ChatRole.Assistant, partial)],
                }, null);
            }
            default:
            {
                var user = new Message
                {
                    Id = Ids.New(),
                    ConversationId = conversationId,
                    Role = Roles.User,
                    Content = request.Content!,
                    Status = MessageStatus.Complete,
                    CreatedAt = now,
                    Position = nextPosition,
                };
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    Model = model,
                    NewConversationTitle = newTitle,
                    UserMessage = user,
                    AssistantId = Ids.New(),
                    AssistantPosition = nextPosition + 1,
                    History = [.. History(model, shown), new ChatMessage(ChatRole.User, user.Content)],
                }, null);
            }
        }
    }

    private static List<ChatMessage> History(ActiveModel model, IEnumerable<Message> saved)
    {
        var history = new List<ChatMessage> { new(ChatRole.System, model.Settings.SystemPrompt) };
        foreach (var m in saved)
        {
            // A failed answer with no text says nothing to the model; a partial one is what the user saw.
            if (string.IsNullOrWhiteSpace(m.Content)) continue;
            history.Add(new ChatMessage(m.Role == Roles.User ? ChatRole.User : ChatRole.Assistant, m.Content));
        }
        return history;
    }

    /// <summary>Saves the user message and the streaming answer. Queued: the caller need not wait for it.</summary>
    public Task BeginAsync(ChatTurn turn) => writer.Enqueue(async db =>
    {
        var now = clock.GetUtcNow();
        if (turn.NewConversationTitle is { } title)
            db.Conversations.Add(new Conversation { Id = turn.ConversationId, Title = title, CreatedAt = now, UpdatedAt = now });
        else
            await db.Conversations.Where(c => c.Id == turn.ConversationId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, now));

        if (turn.UserMessage is { } user) db.Messages.Add(user);
        if (turn.ReplacesId is { } replaced)
            await db.Messages.Where(m => m.Id == replaced).ExecuteUpdateAsync(s => s.SetProperty(m => m.Hidden, true));

        if (turn.Continues)
            await db.Messages.Where(m => m.Id == turn.AssistantId).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Streaming)
                .SetProperty(m => m.Content, turn.ExistingText)
                .SetProperty(m => m.StopReason, (string?)null));
        else
            db.Messages.Add(new Message
            {
                Id = turn.AssistantId,
                ConversationId = turn.ConversationId,
                Role = Roles.Assistant,
                Status = MessageStatus.Streaming,
                CreatedAt = now.AddTicks(1),
                Position = turn.AssistantPosition,
            });
        await db.SaveChangesAsync();
    });

    /// <summary>Saves the partial text of a streaming answer.</summary>
    public Task CheckpointAsync(string messageId, string text) => writer.Enqueue(db =>
        db.Messages.Where(m => m.Id == messageId && m.Status == MessageStatus.Streaming)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Content, text)));

    /// <summary>Saves how the answer ended, with all its text.</summary>
    public Task FinishAsync(string conversationId, string messageId, string status, string text, string? stopReason, Usage? usage) =>
        writer.Enqueue(async db =>
        {
            await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, status)
                .SetProperty(m => m.Content, text)
                .SetProperty(m => m.StopReason, stopReason)
                .SetProperty(m => m.InputTokens, usage == null ? null : usage.InputTokens)
                .SetProperty(m => m.OutputTokens, usage == null ? null : usage.OutputTokens));
            var now = clock.GetUtcNow();
            await db.Conversations.Where(c => c.Id == conversationId).ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, now));
        });
}

public static class Ids
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}
