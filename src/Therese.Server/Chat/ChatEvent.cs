using System.Text.Json.Serialization;
using Therese.Server.Llm;

namespace Therese.Server.Chat;

/// <summary>
/// One event of the chat stream, sent as the JSON of an SSE data line. Mirrors the TypeScript union
/// <c>ChatStreamEvent</c> in web/src/api/chatStream.ts.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(StartEvent), "start")]
[JsonDerivedType(typeof(DeltaEvent), "delta")]
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
/// The server named the answer. <see cref="Content"/> is the text the answer starts from: empty, the
/// partial text being continued, or, when an ended answer is replayed from the database, all of it.
/// </summary>
public sealed record StartEvent(
    string ConversationId,
    string MessageId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserMessageId,
    string Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConversationTitle = null) : ChatEvent;

public sealed record DeltaEvent(string Content) : ChatEvent;

/// <summary>Keeps proxies and the browser from closing a quiet stream. Never logged, never numbered.</summary>
public sealed record PingEvent : ChatEvent
{
    public static readonly PingEvent Instance = new();
}

/// <summary>A local model is being loaded: the page shows « Chargement du modèle... » instead of the thinking indicator.</summary>
public sealed record LoadingEvent : ChatEvent;

public sealed record DoneEvent(string StopReason, Usage Usage) : ChatEvent
{
    public override bool IsEnd => true;
}

public sealed record ErrorEvent(ErrorBody Error) : ChatEvent
{
    public override bool IsEnd => true;

    public static ErrorEvent From(ProviderError error) => new(new ErrorBody(error.Code, error.Message));
}

public sealed record Usage(int InputTokens, int OutputTokens);

public sealed record ErrorBody(string Code, string Message);

/// <summary>An event with its id in the answer's sequence (1 is start).</summary>
public readonly record struct LoggedEvent(long Id, ChatEvent Event);
