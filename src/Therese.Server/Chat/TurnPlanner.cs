using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Therese.Server.Attachments;
using Therese.Server.Attachments.Prompt;
using Therese.Server.Conversations;
using Therese.Server.Llm;
using Therese.Server.Llm.Reasoning;
using Therese.Server.Storage;

namespace Therese.Server.Chat;

/// <summary>Reads the conversation and applies the rules of send, regenerate and continue. Writes nothing.</summary>
public sealed class TurnPlanner(IDbContextFactory<ThereseDb> dbs, TimeProvider clock, AttachmentStore attachments, ModelContexts contexts,
    Tools.ToolServers toolServers)
{
    /// <summary>The MCP tools the model may call; none for the local model (LLamaSharp has no function calling).</summary>
    private Tools.AnswerTools? ToolsFor(ActiveModel model) =>
        Tools.ToolsApi.SupportsTools(model) && toolServers.Offer() is { Count: > 0 } offered ? new Tools.AnswerTools(offered, toolServers) : null;

    /// <param name="ownerId">Team mode: only this person's conversations exist for them; null in personal mode.</param>
    public async Task<(ChatTurn? Turn, TurnRefusal? Refusal)> PlanAsync(ChatRequest request, ActiveModel model, string? ownerId, CancellationToken ct)
    {
        var shown = new List<Message>();
        string conversationId;
        string? newTitle = null;
        IReadOnlyList<StoredAttachment> attached = [];
        if (request.Attachments is { Count: > 0 } ids)
        {
            var found = await attachments.FindAsync(ids, ownerId, ct);
            if (found.Count != ids.Count) return (null, TurnRefusal.AttachmentNotFound);
            attached = [.. ids.Select(id => found[id])];
            // The local model reads text only: better say so now than send a message it cannot read.
            if (model.Settings.Provider == Settings.Providers.Local && attached.Any(a => a.File.Kind == AttachmentKinds.Image))
                return (null, TurnRefusal.LocalModelImages);
        }
        if (string.IsNullOrEmpty(request.ConversationId))
        {
            conversationId = Ids.New();
            newTitle = Conversation.TitleFrom(request.Content is { Length: > 0 } text ? text : attached[0].Attachment.Name);
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
        var context = contexts.For(model);
        switch (request.EffectiveAction)
        {
            case ChatRequest.Actions.Regenerate:
                if (last is not { Role: Roles.Assistant } || last.Status == MessageStatus.Streaming)
                    return (null, TurnRefusal.NothingToRegenerate);
                var before = await AttachmentTurn.PlanAsync(context, model.Settings.SystemPrompt, shown[..^1], null, attachments, ownerId, ct);
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    OwnerId = ownerId,
                    Model = model,
                    AssistantId = Ids.New(),
                    ReplacesId = last.Id,
                    History = History(model, shown[..^1], before),
                    Options = AnswerOptions.For(model.Settings),
                    Tools = ToolsFor(model),
                    SendsImages = before.SendsImages,
                }, null);

            case ChatRequest.Actions.Continue:
                if (last is not { Role: Roles.Assistant } || !MessageStatus.CanContinue(last.Status) || string.IsNullOrWhiteSpace(last.Content))
                    return (null, TurnRefusal.NothingToContinue);
                // The model carries on from its own partial text; Anthropic refuses a prefill that ends in white space.
                var existing = Trimmed(last.AllParts());
                var carried = await AttachmentTurn.PlanAsync(context, model.Settings.SystemPrompt, shown, null, attachments, ownerId, ct);
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    OwnerId = ownerId,
                    Model = model,
                    AssistantId = last.Id,
                    Continues = true,
                    ExistingParts = existing,
                    History = [.. History(model, shown[..^1], carried), new ChatMessage(ChatRole.Assistant, MessageParts.TextOf(existing))],
                    Options = AnswerOptions.For(model.Settings, continuing: true),
                    Tools = ToolsFor(model),
                    SendsImages = carried.SendsImages,
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
                var files = await AttachmentTurn.PlanAsync(context, model.Settings.SystemPrompt, shown, (user, attached), attachments, ownerId, ct);
                // The files come first in the message, as the model reads them before the question.
                if (files.NewParts.Count > 0) user.Parts = [.. files.NewParts, .. user.Content.Length > 0 ? new MessagePart[] { new TextPart(user.Content) } : []];
                return (new ChatTurn
                {
                    ConversationId = conversationId,
                    OwnerId = ownerId,
                    Model = model,
                    NewConversationTitle = newTitle,
                    UserMessage = user,
                    AssistantId = Ids.New(),
                    History = [.. History(model, shown, files), UserMessage(user, files)],
                    Options = AnswerOptions.For(model.Settings),
                    Tools = ToolsFor(model),
                    SendsImages = files.SendsImages,
                }, null);
        }
    }

    private static List<ChatMessage> History(ActiveModel model, IEnumerable<Message> saved, AttachmentTurn files)
    {
        var history = new List<ChatMessage> { new(ChatRole.System, model.Settings.SystemPrompt) };
        foreach (var m in saved)
        {
            if (m.Role == Roles.User)
            {
                if (!string.IsNullOrWhiteSpace(m.Content) || files.ContentsOf(m.Id).Count > 0) history.Add(UserMessage(m, files));
                continue;
            }
            // A failed answer with no text says nothing to the model; a partial one is what the user saw.
            if (string.IsNullOrWhiteSpace(m.Content)) continue;
            history.Add(ReasoningHistory.AssistantMessage(model.Name, m.AllParts()));
        }
        return history;
    }

    /// <summary>A user message as the model reads it: its files (as this turn's budget allows), then its text.</summary>
    private static ChatMessage UserMessage(Message m, AttachmentTurn files)
    {
        var contents = files.ContentsOf(m.Id);
        if (contents.Count == 0) return new ChatMessage(ChatRole.User, m.Content);
        return new ChatMessage(ChatRole.User, [.. contents, .. m.Content.Length > 0 ? new AIContent[] { new TextContent(m.Content) } : []]);
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
