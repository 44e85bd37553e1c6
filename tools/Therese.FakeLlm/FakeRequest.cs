using System.Text.Json.Serialization;

namespace Therese.FakeLlm;

/// <summary>One chat message as the fake provider received it: role, concatenated text, its blocks, and its raw JSON.</summary>
public sealed record FakeMessage(string Role, string Content)
{
    /// <summary>
    /// Its content blocks in order (Anthropic: text, thinking with its signature, redacted_thinking with its data…;
    /// OpenAI: a <c>reasoning_content</c> or <c>reasoning</c> field sent back comes first, as a block of that type).
    /// </summary>
    public IReadOnlyList<FakeBlock> Blocks { get; init; } = [];

    /// <summary>The message exactly as it was sent, for anything the other fields do not show.</summary>
    public string Json { get; init; } = "";

    /// <summary>Two messages are the same when their role and text are: blocks and raw JSON are detail to look at.</summary>
    public bool Equals(FakeMessage? other) => other is not null && Role == other.Role && Content == other.Content;

    public override int GetHashCode() => HashCode.Combine(Role, Content);
}

/// <param name="Type">The block's type (<c>text</c>, <c>thinking</c>, <c>redacted_thinking</c>, <c>image</c>…).</param>
/// <param name="Text">Its text: a thinking block's thinking, a redacted block's data.</param>
/// <param name="Signature">A thinking block's signature.</param>
public sealed record FakeBlock(string Type, string? Text, string? Signature)
{
    /// <summary>
    /// A file's media type: Anthropic's <c>source.media_type</c> of an image or a document (<c>text/plain</c> for a text
    /// document), OpenAI's from an <c>image_url</c> data URL.
    /// </summary>
    public string? MediaType { get; init; }

    /// <summary>Anthropic: <c>source.type</c> of an image or a document (<c>base64</c>, <c>text</c>, <c>url</c>); OpenAI: <c>data_url</c> or <c>url</c>.</summary>
    public string? Source { get; init; }

    /// <summary>A document's <c>title</c> (Anthropic).</summary>
    public string? Title { get; init; }

    /// <summary>The file's bytes as received (base64 decoded), for an image or a PDF.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public byte[]? Data { get; init; }

    /// <summary>How many bytes <see cref="Data"/> holds (logged instead of the bytes).</summary>
    public int? Bytes => Data?.Length;

    /// <summary>
    /// A tool call (<c>tool_use</c>: Anthropic's block, OpenAI's <c>tool_calls</c> entry) or its result (<c>tool_result</c>:
    /// Anthropic's block, OpenAI's <c>tool</c> message): the call's id. <see cref="Text"/> is then the call's arguments
    /// (JSON, as sent) or the result's text.
    /// </summary>
    public string? ToolUseId { get; init; }

    /// <summary>A <c>tool_use</c> block's tool name.</summary>
    public string? Name { get; init; }

    /// <summary>A <c>tool_result</c> sent as an error (Anthropic's <c>is_error</c>).</summary>
    public bool IsError { get; init; }
}

/// <summary>
/// One request received by the fake provider. Fields are updated live while the request runs;
/// each field is set at most once (timestamps) or only by the handler, under a lock.
/// </summary>
public sealed class FakeRequest
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _firstTokenAt;
    private DateTimeOffset? _lastTokenAt;
    private DateTimeOffset? _disconnectedAt;
    private DateTimeOffset? _completedAt;
    private int _tokensSent;
    private readonly List<DateTimeOffset> _tokenTimes = [];
    private int _statusCode = 200;
    private string _outcome = "running";

    internal FakeRequest(int id, string protocol)
    {
        Id = id;
        Protocol = protocol;
        ReceivedAt = DateTimeOffset.UtcNow;
    }

    public int Id { get; }
    public string Protocol { get; }
    public string? Model { get; internal set; }
    public string? System { get; internal set; }
    public IReadOnlyList<FakeMessage> Messages { get; internal set; } = [];
    public int? MaxTokens { get; internal set; }
    /// <summary>Anthropic: the raw <c>thinking</c> object of the request, if any.</summary>
    public string? Thinking { get; internal set; }
    /// <summary>OpenAI: <c>reasoning_effort</c>; Anthropic: <c>output_config.effort</c> (adaptive thinking).</summary>
    public string? ReasoningEffort { get; internal set; }
    /// <summary>The names of the tools the request offered the model (Anthropic <c>tools[].name</c>, OpenAI <c>tools[].function.name</c>).</summary>
    public IReadOnlyList<string> Tools { get; internal set; } = [];
    /// <summary>The request body exactly as it was sent (tools, attachments, options…).</summary>
    public string Body { get; internal set; } = "";
    public string? Directive { get; internal set; }
    public string? AuthScheme { get; internal set; }
    /// <summary>HTTP/1.1 or HTTP/2, as the client reached the fake.</summary>
    public string? HttpVersion { get; internal set; }
    public DateTimeOffset ReceivedAt { get; }

    public DateTimeOffset? FirstTokenAt { get { lock (_gate) return _firstTokenAt; } }
    public DateTimeOffset? LastTokenAt { get { lock (_gate) return _lastTokenAt; } }
    public DateTimeOffset? DisconnectedAt { get { lock (_gate) return _disconnectedAt; } }
    public DateTimeOffset? CompletedAt { get { lock (_gate) return _completedAt; } }
    public int TokensSent { get { lock (_gate) return _tokensSent; } }

    /// <summary>When each token was written and flushed, in order (for per-token latency measurements).</summary>
    public IReadOnlyList<DateTimeOffset> TokenTimes { get { lock (_gate) return _tokenTimes.ToArray(); } }
    public int StatusCode { get { lock (_gate) return _statusCode; } }
    public string Outcome { get { lock (_gate) return _outcome; } }

    /// <summary>A malformed event was written (malformed_after).</summary>
    public bool MalformedSent { get; internal set; }

    /// <summary>Set by the handler just before it aborts the connection itself (drop_after), so the abort is not logged as a client disconnect.</summary>
    [JsonIgnore]
    internal bool ServerAborted { get; set; }

    internal void SetStatus(int status)
    {
        lock (_gate) _statusCode = status;
    }

    internal void TokenWritten()
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            _tokensSent++;
            _tokenTimes.Add(now);
            _firstTokenAt ??= now;
            _lastTokenAt = now;
        }
    }

    /// <summary>Final outcome of a request that ends on the server side.</summary>
    internal void Complete(string outcome)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            if (_completedAt is not null || _disconnectedAt is not null) return;
            _completedAt = now;
            _outcome = outcome;
        }
    }

    internal void SetOutcome(string outcome)
    {
        lock (_gate)
        {
            if (_completedAt is not null || _disconnectedAt is not null) return;
            _outcome = outcome;
        }
    }

    /// <summary>The client went away before the answer ended. The first report wins.</summary>
    internal void MarkDisconnected()
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            if (ServerAborted || _completedAt is not null || _disconnectedAt is not null) return;
            _disconnectedAt = now;
            if (_outcome == "running") _outcome = "client_disconnected";
        }
    }

    public override string ToString() =>
        $"#{Id} {Protocol} model={Model} outcome={Outcome} status={StatusCode} tokens={TokensSent} directive={Directive ?? "-"} last_user=\"{Truncate(Messages.LastOrDefault(m => m.Role == "user")?.Content, 60)}\"";

    private static string? Truncate(string? s, int n) => s is null || s.Length <= n ? s : s[..n] + "…";
}
