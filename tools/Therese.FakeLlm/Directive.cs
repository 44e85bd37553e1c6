using System.Text.Json;

namespace Therese.FakeLlm;

/// <summary>A parsed <c>::fake {json}</c> directive.</summary>
internal sealed class Directive
{
    internal const string Marker = "::fake";

    private static readonly HashSet<string> Known =
    [
        "text", "tokens", "markdown", "tps", "ttft_ms", "status", "retry_after", "error_after", "error_type",
        "drop_after", "stall_after", "split_utf8", "times", "stop_reason", "malformed_after", "hang", "chars",
        "thinking", "thinking_tokens", "reasoning", "redacted", "chunk_chars", "tools",
    ];

    /// <summary>One tool call the model makes: the tool's name and its arguments (a JSON object, as text).</summary>
    public sealed record ToolCall(string Name, string Arguments);

    /// <summary>Where an OpenAI-compatible answer puts its reasoning (<c>reasoning</c> field of the directive).</summary>
    public static readonly IReadOnlyList<string> ReasoningFormats = ["reasoning_content", "reasoning", "think_tags", "think_close"];

    public required string Raw { get; init; }
    public string? Text { get; init; }
    public int? Tokens { get; init; }
    public bool Markdown { get; init; }
    public double? Tps { get; init; }
    public int? TtftMs { get; init; }
    public int? Status { get; init; }
    public int RetryAfter { get; init; }
    public int? ErrorAfter { get; init; }
    public string ErrorType { get; init; } = "overloaded_error";
    public int? DropAfter { get; init; }
    public int? StallAfter { get; init; }
    public bool SplitUtf8 { get; init; }
    public int? Times { get; init; }
    public string? StopReason { get; init; }
    public int? MalformedAfter { get; init; }
    public bool Hang { get; init; }
    public int? Chars { get; init; }
    /// <summary>The model thinks this text first (split like <see cref="Text"/>).</summary>
    public string? Thinking { get; init; }
    /// <summary>The model thinks <c>FakeText.Tokens(n)</c> first.</summary>
    public int? ThinkingTokens { get; init; }
    /// <summary>OpenAI-compatible only: reasoning_content (default), reasoning, think_tags (inline &lt;think&gt;…&lt;/think&gt;), think_close (only the closing tag, the template opened it).</summary>
    public string? Reasoning { get; init; }
    /// <summary>Anthropic only: a redacted_thinking block comes first.</summary>
    public bool Redacted { get; init; }
    /// <summary>Split the answer (and the thinking) into chunks of this many characters instead of words: tags cut anywhere.</summary>
    public int? ChunkChars { get; init; }
    /// <summary>
    /// Tool rounds: the answer to a request that already holds <c>k</c> rounds of tool calls (after the last user message)
    /// is the calls of round <c>k</c>; once every round was made, the answer is the text.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<ToolCall>>? Tools { get; init; }

    public bool HasFailure => Status is not null || ErrorAfter is not null || DropAfter is not null || StallAfter is not null
        || MalformedAfter is not null || Hang;

    /// <summary>Finds the directive in a user message. Returns null when there is none; throws <see cref="FormatException"/> when it is malformed.</summary>
    public static Directive? Find(string? userText)
    {
        if (string.IsNullOrEmpty(userText)) return null;
        foreach (var rawLine in userText.Split('\n'))
        {
            var idx = rawLine.IndexOf(Marker, StringComparison.Ordinal);
            if (idx < 0) continue;
            var json = rawLine[(idx + Marker.Length)..].Trim();
            if (json.Length == 0) json = "{}";
            return Parse(json);
        }
        return null;
    }

    public static Directive Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException ex) { throw new FormatException($"Invalid ::fake directive JSON: {ex.Message} (got {json})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"The ::fake directive must be a JSON object (got {json})");
            foreach (var p in root.EnumerateObject())
                if (!Known.Contains(p.Name))
                    throw new FormatException($"Unknown ::fake directive field '{p.Name}'. Known fields: {string.Join(", ", Known)}");
            return new Directive
            {
                Raw = json,
                Text = Str(root, "text"),
                Tokens = Int(root, "tokens"),
                Markdown = Bool(root, "markdown"),
                Tps = Dbl(root, "tps"),
                TtftMs = Int(root, "ttft_ms"),
                Status = Int(root, "status"),
                RetryAfter = Int(root, "retry_after") ?? 0,
                ErrorAfter = Int(root, "error_after"),
                ErrorType = Str(root, "error_type") ?? "overloaded_error",
                DropAfter = Int(root, "drop_after"),
                StallAfter = Int(root, "stall_after"),
                SplitUtf8 = Bool(root, "split_utf8"),
                Times = Int(root, "times"),
                StopReason = Str(root, "stop_reason"),
                MalformedAfter = Int(root, "malformed_after"),
                Hang = Bool(root, "hang"),
                Chars = Int(root, "chars"),
                Thinking = Str(root, "thinking"),
                ThinkingTokens = Int(root, "thinking_tokens"),
                Reasoning = Str(root, "reasoning") is { } format
                    ? ReasoningFormats.Contains(format) ? format : throw new FormatException($"::fake field 'reasoning' must be one of {string.Join(", ", ReasoningFormats)}")
                    : null,
                Redacted = Bool(root, "redacted"),
                ChunkChars = Int(root, "chunk_chars") is { } n ? n > 0 ? n : throw new FormatException("::fake field 'chunk_chars' must be positive") : null,
                Tools = root.TryGetProperty("tools", out var tools) ? ToolRounds(tools) : null,
            };
        }
    }

    /// <summary><c>"tools"</c>: an array of rounds, each a call <c>{"name","arguments"}</c> or an array of calls.</summary>
    private static List<IReadOnlyList<ToolCall>> ToolRounds(JsonElement tools)
    {
        const string Shape = "::fake field 'tools' must be an array of rounds, each a call {\"name\":…,\"arguments\":{…}} or an array of calls";
        if (tools.ValueKind != JsonValueKind.Array) throw new FormatException(Shape);
        var rounds = new List<IReadOnlyList<ToolCall>>();
        foreach (var round in tools.EnumerateArray())
        {
            var calls = round.ValueKind == JsonValueKind.Array ? round.EnumerateArray().ToList() : [round];
            if (calls.Count == 0) throw new FormatException(Shape);
            rounds.Add([.. calls.Select(call =>
            {
                if (call.ValueKind != JsonValueKind.Object || Str(call, "name") is not { Length: > 0 } name) throw new FormatException(Shape);
                var arguments = call.TryGetProperty("arguments", out var a) ? a : default;
                if (arguments.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined)) throw new FormatException(Shape);
                return new ToolCall(name, arguments.ValueKind == JsonValueKind.Object ? arguments.GetRawText() : "{}");
            })]);
        }
        return rounds;
    }

    private static string? Str(JsonElement o, string name) =>
        !o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : throw new FormatException($"::fake field '{name}' must be a string");

    private static int? Int(JsonElement o, string name) =>
        !o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= 0 ? i
        : throw new FormatException($"::fake field '{name}' must be a non-negative integer");

    private static double? Dbl(JsonElement o, string name) =>
        !o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number && v.GetDouble() >= 0 ? v.GetDouble()
        : throw new FormatException($"::fake field '{name}' must be a non-negative number");

    private static bool Bool(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new FormatException($"::fake field '{name}' must be a boolean"),
        };
}
