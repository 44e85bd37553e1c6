namespace Therese.Server.Conversations;

public sealed class Message
{
    public required string Id { get; init; }
    public required string ConversationId { get; init; }
    public required string Role { get; init; }
    /// <summary>The answer text alone (the text parts, joined): what search, titles and the story's clients read.</summary>
    public string Content { get; set; } = "";

    /// <summary>
    /// The message's parts in order, when it is more than its text (reasoning, and later tool steps and attachments);
    /// null when it is only <see cref="Content"/>, as every message saved before parts existed.
    /// </summary>
    public List<MessagePart>? Parts { get; set; }
    public required string Status { get; set; }
    public string? StopReason { get; set; }
    public int? InputTokens { get; set; }
    public int? OutputTokens { get; set; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Place in the conversation, assigned by the writer. Regenerated answers share the position of the answer they replace.</summary>
    public int Position { get; set; }

    /// <summary>1 for the first answer at a position, then 2, 3… for each regeneration.</summary>
    public int Version { get; init; } = 1;

    /// <summary>A regenerated answer hides the version it replaced; hidden versions stay in the data.</summary>
    public bool Hidden { get; set; }

    /// <summary>Every part in order; a message stored as its text alone is one text part (none when empty).</summary>
    public IReadOnlyList<MessagePart> AllParts() => Parts ?? (Content.Length == 0 ? [] : [new TextPart(Content)]);
}

public static class Roles
{
    public const string User = "user";
    public const string Assistant = "assistant";
}

public static class MessageStatus
{
    public const string Streaming = "streaming";
    public const string Complete = "complete";
    public const string Stopped = "stopped";
    public const string Error = "error";
    public const string Interrupted = "interrupted";

    public static bool CanContinue(string status) => status is Stopped or Interrupted or Error;
}
