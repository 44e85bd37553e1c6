using Microsoft.EntityFrameworkCore;
using Therese.Server.Accounts;
using Therese.Server.Conversations;
using Therese.Server.Storage;

namespace Therese.Server.Chat;

/// <summary>
/// Saves an answer as it streams, through the one ordered writer: the token path never waits on the
/// database, and positions are assigned inside the writer so concurrent sends can never collide.
/// </summary>
public sealed class AnswerStore(IDbContextFactory<ThereseDb> dbs, MessageWriter writer, UsageLedger usage, TimeProvider clock)
{
    /// <summary>Saves the user message and the streaming answer (or marks a continued one streaming again).</summary>
    public Task BeginAsync(ChatTurn turn) => writer.Enqueue(async db =>
    {
        var now = clock.GetUtcNow();
        if (turn.NewConversationTitle is { } title)
            db.Conversations.Add(new Conversation { Id = turn.ConversationId, OwnerId = turn.OwnerId, Title = title, CreatedAt = now, UpdatedAt = now });
        else
            await db.Conversations.Where(c => c.Id == turn.ConversationId).ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, now));

        if (turn.Continues)
        {
            var text = MessageParts.TextOf(turn.ExistingParts);
            var parts = MessageParts.ToStored(turn.ExistingParts);
            await db.Messages.Where(m => m.Id == turn.AssistantId).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Streaming)
                .SetProperty(m => m.Content, text)
                .SetProperty(m => m.Parts, parts)
                .SetProperty(m => m.StopReason, (string?)null));
            return;
        }

        int position, version = 1;
        if (turn.ReplacesId is { } replaced)
        {
            var old = await db.Messages.AsNoTracking().Where(m => m.Id == replaced).Select(m => new { m.Position }).SingleAsync();
            position = old.Position;
            version = 1 + await db.Messages.Where(m => m.ConversationId == turn.ConversationId && m.Position == position).MaxAsync(m => m.Version);
            await db.Messages.Where(m => m.Id == replaced).ExecuteUpdateAsync(s => s.SetProperty(m => m.Hidden, true));
        }
        else if (turn.NewConversationTitle is not null)
        {
            position = 1;
        }
        else
        {
            position = 1 + (await db.Messages.Where(m => m.ConversationId == turn.ConversationId).MaxAsync(m => (int?)m.Position) ?? 0);
        }

        if (turn.UserMessage is { } user)
        {
            user.Position = position++;
            db.Messages.Add(user);
            // Which files the message carries: deleting the conversation frees those nothing else uses.
            var files = user.Parts?.OfType<AttachmentPart>().ToList() ?? [];
            for (var i = 0; i < files.Count; i++)
                db.MessageAttachments.Add(new Attachments.MessageAttachment { MessageId = user.Id, AttachmentId = files[i].Id, Position = i });
        }
        db.Messages.Add(new Message
        {
            Id = turn.AssistantId,
            ConversationId = turn.ConversationId,
            Role = Roles.Assistant,
            Status = MessageStatus.Streaming,
            CreatedAt = now,
            Position = position,
            Version = version,
        });
        await db.SaveChangesAsync();
    });

    /// <summary>Saves the parts of a streaming answer so far.</summary>
    public Task CheckpointAsync(string messageId, IReadOnlyList<MessagePart> parts) =>
        writer.SaveStreaming(messageId, MessageParts.TextOf(parts), PartsColumn.Write(MessageParts.ToStored(parts)));

    /// <summary>Saves how the answer ended, with all its parts.</summary>
    public Task FinishAsync(ChatTurn turn, AnswerOutcome outcome, IReadOnlyList<MessagePart> parts) => writer.Enqueue(async db =>
    {
        var text = MessageParts.TextOf(parts);
        var stored = MessageParts.ToStored(parts);
        await db.Messages.Where(m => m.Id == turn.AssistantId).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Status, outcome.Status)
            .SetProperty(m => m.Content, text)
            .SetProperty(m => m.Parts, stored)
            .SetProperty(m => m.StopReason, outcome.StopReason)
            .SetProperty(m => m.InputTokens, outcome.Usage.InputTokens)
            .SetProperty(m => m.OutputTokens, outcome.Usage.OutputTokens));
        var now = clock.GetUtcNow();
        await db.Conversations.Where(c => c.Id == turn.ConversationId).ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, now));
        // Team mode: the tokens the provider counted for this answer go to its person's day.
        if (turn.OwnerId is { } owner && outcome.Usage is { InputTokens: > 0 } or { OutputTokens: > 0 })
            await usage.RecordAsync(db, owner, outcome.Usage.InputTokens, outcome.Usage.OutputTokens);
    });

    /// <summary>A saved assistant answer, for a follower that comes back after its log was freed.</summary>
    public async Task<Message?> FindAnswerAsync(string messageId, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId && m.Role == Roles.Assistant, ct);
    }
}
