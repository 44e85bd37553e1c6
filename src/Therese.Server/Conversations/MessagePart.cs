using System.Text;
using System.Text.Json.Serialization;

namespace Therese.Server.Conversations;

/// <summary>
/// One piece of a message, in order: the model's reasoning, text, and (in later issues) tool steps and attachments.
/// The shape of Microsoft.Extensions.AI's <c>AIContent</c> list and of the Vercel AI SDK's UI message parts.
/// A message's <see cref="Message.Content"/> stays its answer text alone: the text parts, joined.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TextPart), "text")]
[JsonDerivedType(typeof(ReasoningPart), "reasoning")]
[JsonDerivedType(typeof(AttachmentPart), "attachment")]
[JsonDerivedType(typeof(ToolPart), "tool")]
public abstract record MessagePart;

public sealed record TextPart(string Text) : MessagePart;

/// <summary>What the model thought before (or between) its answer's text.</summary>
/// <param name="DurationMs">How long it thought, measured by THÉRÈSE (no API sends it); null while it still thinks.</param>
public sealed record ReasoningPart(string Text, long? DurationMs) : MessagePart
{
    /// <summary>
    /// Who wrote it and what it needs to be sent back: only Anthropic signs its thinking, and only signed thinking
    /// goes back, to Anthropic alone. Kept in storage, never sent to a browser.
    /// </summary>
    [ServerOnly]
    public ReasoningOrigin? Origin { get; init; }
}

/// <summary>A file the person attached to their message (the bytes and what was read of them live in Attachments/).</summary>
/// <param name="Kind"><c>document</c> or <c>image</c>.</param>
public sealed record AttachmentPart(string Id, string Name, string MediaType, long Size, string Kind) : MessagePart
{
    /// <summary>A PDF's page count.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Pages { get; init; }

    /// <summary>What the model could not get of it when the message was sent, in French (« tronqué à la page 42 »).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Warning { get; init; }
}

/// <summary>
/// One tool step of an answer: the model asked an MCP server's tool, maybe the person decided, and the tool answered.
/// Its arguments and result are the tool's, hostile text like the model's.
/// </summary>
/// <param name="State">One of <see cref="ToolStates"/>.</param>
/// <param name="Ok">Whether the tool answered without error; null until it has.</param>
/// <param name="Summary">The first 200 characters of the result, or a French reason when it failed.</param>
/// <param name="Result">The whole result as plain text (cut at 20,000 characters); null until done.</param>
public sealed record ToolPart(string CallId, string Server, string Name, System.Text.Json.JsonElement Arguments, string State,
    bool? Ok = null, string? Summary = null, string? Result = null) : MessagePart;

public static class ToolStates
{
    public const string Running = "running";
    public const string AwaitingApproval = "awaiting_approval";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Refused = "refused";
    public const string Cancelled = "cancelled";
}

/// <param name="Provider">The provider that wrote the reasoning (<c>anthropic</c>, <c>openai</c>, <c>local</c>).</param>
/// <param name="Signature">Anthropic's signature of a thinking block; with an empty text, the data of a redacted block.</param>
/// <param name="Redacted">A <c>redacted_thinking</c> block: encrypted by the provider, nothing to show.</param>
public sealed record ReasoningOrigin(string Provider, string? Signature, bool Redacted = false);

/// <summary>
/// A property kept in the database and in the server's memory but never written to the API or the stream
/// (Program.cs leaves these out of the HTTP JSON options).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ServerOnlyAttribute : Attribute
{
    /// <summary>A System.Text.Json modifier that leaves out the properties marked <see cref="ServerOnlyAttribute"/>.</summary>
    public static void LeaveOut(System.Text.Json.Serialization.Metadata.JsonTypeInfo type)
    {
        for (var i = type.Properties.Count - 1; i >= 0; i--)
            if (type.Properties[i].AttributeProvider?.IsDefined(typeof(ServerOnlyAttribute), inherit: true) == true)
                type.Properties.RemoveAt(i);
    }
}

public static class MessageParts
{
    /// <summary>The answer text: the text parts, joined.</summary>
    public static string TextOf(IEnumerable<MessagePart> parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
            if (part is TextPart t) text.Append(t.Text);
        return text.ToString();
    }

    /// <summary>All the reasoning, block after block (a blank line between two).</summary>
    public static string ReasoningOf(IEnumerable<MessagePart> parts) =>
        string.Join("\n\n", parts.OfType<ReasoningPart>().Select(r => r.Text).Where(t => t.Length > 0));

    /// <summary>How long the model thought in all, or null when it did not.</summary>
    public static long? ReasoningMsOf(IEnumerable<MessagePart> parts)
    {
        long? total = null;
        foreach (var r in parts.OfType<ReasoningPart>())
            total = (total ?? 0) + (r.DurationMs ?? 0);
        return total;
    }

    /// <summary>A message that is only its text is stored as its text alone (no parts): the common case costs nothing more.</summary>
    public static List<MessagePart>? ToStored(IReadOnlyList<MessagePart> parts) =>
        parts.All(p => p is TextPart) ? null : [.. parts];
}
