using System.Text.Json.Serialization;
using Therese.Server.Llm;

namespace Therese.Server.Chat;

/// <summary>One event of the chat stream, sent as the JSON of an SSE data line.</summary>
public sealed record ChatEvent
{
    public required string Type { get; init; }
    public string Content { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConversationId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MessageId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? UserMessageId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StopReason { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Usage? Usage { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ErrorBody? Error { get; init; }

    /// <summary>The failure behind an error event, for callers in this process (not sent).</summary>
    [JsonIgnore]
    public ProviderError? Failure { get; init; }

    public static readonly ChatEvent Ping = new() { Type = "ping" };

    public static ChatEvent Start(ChatTurn turn) => new()
    {
        Type = "start",
        Content = turn.ExistingText,
        ConversationId = turn.ConversationId,
        MessageId = turn.AssistantId,
        UserMessageId = turn.UserMessage?.Id,
    };

    public static ChatEvent Delta(string text) => new() { Type = "delta", Content = text };

    public static ChatEvent Done(string stopReason, Usage usage) => new() { Type = "done", StopReason = stopReason, Usage = usage };

    public static ChatEvent Failed(ProviderError error) => new() { Type = "error", Error = new ErrorBody(error.Code, error.Message), Failure = error };
}

public sealed record Usage(int InputTokens, int OutputTokens);

public sealed record ErrorBody(string Code, string Message);
