using Microsoft.Extensions.AI;
using Therese.Server.Conversations;

namespace Therese.Server.Attachments.Prompt;

/// <summary>
/// The attachments of one turn: what the model receives for every user message that carries files (this one and the
/// earlier ones: a file stays in the conversation), within the context, newest first.
/// </summary>
public sealed class AttachmentTurn
{
    private readonly Dictionary<string, List<AIContent>> _contents = [];

    public static readonly AttachmentTurn None = new();

    /// <summary>The new message's attachment parts, with what the person should know of each (a cut, a scanned PDF).</summary>
    public IReadOnlyList<AttachmentPart> NewParts { get; private init; } = [];

    /// <summary>The request carries images: a refusal from the server is then explained as such.</summary>
    public bool SendsImages { get; private init; }

    /// <summary>What goes before the text of this user message (nothing when it carries no file).</summary>
    public IReadOnlyList<AIContent> ContentsOf(string messageId) => _contents.TryGetValue(messageId, out var c) ? c : [];

    /// <param name="shown">The conversation's shown messages, oldest first (without the new one).</param>
    /// <param name="newMessage">The user's new message (null for regenerate and continue) and the attachments it carries.</param>
    public static async Task<AttachmentTurn> PlanAsync(ModelContext model, string systemPrompt, IReadOnlyList<Message> shown,
        (Message Message, IReadOnlyList<StoredAttachment> Attachments)? newMessage, AttachmentStore store, string? ownerId, CancellationToken ct)
    {
        var earlier = shown.Where(m => m.Role == Roles.User && m.Parts?.Any(p => p is AttachmentPart) == true).ToList();
        if (earlier.Count == 0 && newMessage is not { Attachments.Count: > 0 }) return None;

        var found = await store.FindAsync([.. earlier.SelectMany(m => m.Parts!.OfType<AttachmentPart>().Select(p => p.Id)).Distinct()], ownerId, ct);
        var refusedImages = RefusedImages(shown);
        var used = model.Tokens(systemPrompt) + shown.Sum(m => model.Tokens(m.Content) + 8) + (newMessage is { } n ? model.Tokens(n.Message.Content) + 8 : 0);
        var budget = new ContextBudget(model, used);

        // Newest first: the new message's files, then each earlier message's, from the last one back.
        var plans = new Dictionary<(string Message, string Attachment), AttachmentPlan>();
        var newParts = new List<AttachmentPart>();
        if (newMessage is { } added)
            foreach (var stored in added.Attachments)
            {
                var plan = budget.Next(stored);
                plans[(added.Message.Id, stored.Attachment.Id)] = plan;
                newParts.Add(PartOf(stored, plan.Warning));
            }
        for (var i = earlier.Count - 1; i >= 0; i--)
            foreach (var part in earlier[i].Parts!.OfType<AttachmentPart>())
                if (found.TryGetValue(part.Id, out var stored))
                    plans[(earlier[i].Id, part.Id)] = budget.Next(stored, refusedImages.Contains(earlier[i].Id));

        var pdfs = await store.ContentAsync([.. plans.Values.Where(p => p.Form == AttachmentForm.Pdf).Select(p => p.Stored.File.Sha256).Distinct()], ct);
        var turn = new AttachmentTurn { NewParts = newParts, SendsImages = plans.Values.Any(p => p.Form == AttachmentForm.Image) };
        // Each message's files in their own order (the plans were made newest first).
        foreach (var message in earlier)
            turn._contents[message.Id] = [.. message.Parts!.OfType<AttachmentPart>().SelectMany(part => plans.TryGetValue((message.Id, part.Id), out var plan)
                ? AttachmentContents.For(plan, model, pdfs)
                : [new TextContent($"[Note de THÉRÈSE : le fichier {FrenchText.Quote(part.Name)} joint à ce message a été supprimé.]")])];
        if (newMessage is { } again)
            turn._contents[again.Message.Id] = [.. again.Attachments.SelectMany(a => AttachmentContents.For(plans[(again.Message.Id, a.Attachment.Id)], model, pdfs))];
        return turn;
    }

    /// <summary>User messages whose answer was « this model does not read images »: their images are not sent again.</summary>
    private static HashSet<string> RefusedImages(IReadOnlyList<Message> shown)
    {
        var refused = new HashSet<string>();
        for (var i = 0; i + 1 < shown.Count; i++)
            if (shown[i].Role == Roles.User && shown[i + 1] is { Role: Roles.Assistant, StopReason: Llm.ProviderError.ImagesUnsupportedCode })
                refused.Add(shown[i].Id);
        return refused;
    }

    public static AttachmentPart PartOf(StoredAttachment stored, string? warning) =>
        new(stored.Attachment.Id, stored.Attachment.Name, stored.File.MediaType, stored.File.Size, stored.File.Kind)
        {
            Pages = stored.File.Pages,
            Warning = warning,
        };
}
