using System.Text.Json.Serialization;
using Therese.Server.Conversations;
using Therese.Server.Llm;

namespace Therese.Server.Chat;

/// <summary>
/// One event of the chat stream, sent as the JSON of an SSE data line. Mirrors the TypeScript union
/// <c>ChatStreamEvent</c> in web/src/api/chatStream.ts.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(StartEvent), "start")]
[JsonDerivedType(typeof(DeltaEvent), "delta")]
[JsonDerivedType(typeof(ReasoningEvent), "reasoning")]
[JsonDerivedType(typeof(ReasoningEndEvent), "reasoning_end")]
[JsonDerivedType(typeof(TextWasReasoningEvent), "text_was_reasoning")]
[JsonDerivedType(typeof(ToolCallEvent), "tool_call")]
[JsonDerivedType(typeof(ToolApprovalEvent), "tool_approval")]
[JsonDerivedType(typeof(ToolDecisionEvent), "tool_decision")]
[JsonDerivedType(typeof(ToolResultEvent), "tool_result")]
[JsonDerivedType(typeof(PingEvent), "ping")]
[JsonDerivedType(typeof(LoadingEvent), "loading")]
[JsonDerivedType(typeof(DoneEvent), "done")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
public abstract record ChatEvent
{
    /// <summary>The answer ends with this event (done or error).</summary>
    [JsonIgnore]
    public virtual bool IsEnd => false;
}

/// <summary>
/// An event that adds no answer text. It still carries <c>"content":""</c>: the story's own client appends
/// <c>JSON.parse(data).content</c> for every data line, and would show "undefined" otherwise.
/// </summary>
public abstract record SilentEvent : ChatEvent
{
    [JsonPropertyOrder(100)]
    public string Content => "";
}

/// <summary>
/// The server named the answer. <see cref="Content"/> is the text the answer starts from: empty, the
/// partial text being continued, or, when an ended answer is replayed from the database, all of it.
/// <see cref="Parts"/> is set when the answer starts from more than text (its reasoning, say): a client
/// replaces the answer's parts with them, or with <see cref="Content"/> as one text part when absent.
/// </summary>
public sealed record StartEvent(
    string ConversationId,
    string MessageId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserMessageId,
    string Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConversationTitle = null) : ChatEvent
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MessagePart>? Parts { get; init; }

    /// <summary>The start of an answer that already has these parts (a continued or a saved one).</summary>
    public static StartEvent From(string conversationId, string messageId, string? userMessageId, IReadOnlyList<MessagePart> parts,
        string? conversationTitle = null) =>
        new(conversationId, messageId, userMessageId, MessageParts.TextOf(parts), conversationTitle)
        {
            Parts = parts.All(p => p is TextPart) ? null : parts,
        };
}

/// <summary>Answer text, one per provider chunk. Never reasoning, never a think tag.</summary>
public sealed record DeltaEvent(string Content) : ChatEvent;

/// <summary>Reasoning, one per provider chunk, never coalesced live (a replay coalesces what was missed).</summary>
public sealed record ReasoningEvent(string Reasoning) : SilentEvent;

/// <summary>The reasoning in progress has ended: the answer (or a next step) follows. THÉRÈSE measured how long it took.</summary>
public sealed record ReasoningEndEvent(long DurationMs) : SilentEvent;

/// <summary>
/// The text this answer has shown since its last reasoning (or its start) was the model's reasoning: a stray
/// <c>&lt;/think&gt;</c> came, whose opening tag was in the prompt. That text becomes a reasoning part, ended.
/// </summary>
public sealed record TextWasReasoningEvent(long DurationMs) : SilentEvent;

/// <summary>The model asked for a tool (<paramref name="Server"/> is empty when no server has it); the step runs.</summary>
public sealed record ToolCallEvent(string CallId, string Server, string Name, System.Text.Json.JsonElement Arguments) : SilentEvent;

/// <summary>The call waits for the person: what the tool does (its MCP description, may be empty). The answer pauses.</summary>
public sealed record ToolApprovalEvent(string CallId, string Description) : SilentEvent;

/// <summary>The person decided the waiting call (from any tab).</summary>
public sealed record ToolDecisionEvent(string CallId, bool Approved) : SilentEvent;

/// <summary>
/// The tool answered (or failed, was refused, timed out, did not exist, its server was down: then <paramref name="Ok"/> is
/// false and <paramref name="Summary"/> a French reason). <paramref name="Result"/> is the whole result, cut at 20,000 characters.
/// </summary>
public sealed record ToolResultEvent(string CallId, bool Ok, string Summary, string Result) : SilentEvent;

/// <summary>Keeps proxies and the browser from closing a quiet stream. Never logged, never numbered.</summary>
public sealed record PingEvent : SilentEvent
{
    public static readonly PingEvent Instance = new();
}

/// <summary>A local model is being loaded: the page shows « Chargement du modèle... » instead of the thinking indicator.</summary>
public sealed record LoadingEvent : SilentEvent;

public sealed record DoneEvent(string StopReason, Usage Usage) : SilentEvent
{
    [JsonIgnore]
    public override bool IsEnd => true;
}

public sealed record ErrorEvent(ErrorBody Error) : SilentEvent
{
    [JsonIgnore]
    public override bool IsEnd => true;

    public static ErrorEvent From(ProviderError error) => new(new ErrorBody(error.Code, error.Message));
}

public sealed record Usage(int InputTokens, int OutputTokens);

public sealed record ErrorBody(string Code, string Message);

/// <summary>An event with its id in the answer's sequence (1 is start).</summary>
public readonly record struct LoggedEvent(long Id, ChatEvent Event);
