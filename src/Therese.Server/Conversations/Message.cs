namespace Therese.Server.Conversations;

public sealed class Message
{
    public required string Id { get; init; }
    public required string ConversationId { get; init; }
    public required string Role { get; init; }
    public string Content { get; set; } = "";
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
