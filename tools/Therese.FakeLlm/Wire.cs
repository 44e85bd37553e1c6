using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Therese.FakeLlm;

/// <summary>What the handler learned from the request body.</summary>
internal sealed record ParsedRequest(
    string? Model, string? System, IReadOnlyList<FakeMessage> Messages, int? MaxTokens, bool Stream, bool IncludeUsage)
{
    public int InputTokens =>
        Math.Max(1, ((System?.Length ?? 0) + Messages.Sum(m => m.Content.Length)) / 4);

    /// <summary>Anthropic: the raw <c>thinking</c> object asked for, if any.</summary>
    public string? Thinking { get; init; }

    /// <summary>OpenAI: <c>reasoning_effort</c>; Anthropic: <c>output_config.effort</c> (adaptive thinking).</summary>
    public string? ReasoningEffort { get; init; }

    /// <summary>The names of the tools offered to the model.</summary>
    public IReadOnlyList<string> Tools { get; init; } = [];
}

/// <summary>A tool call the fake model makes: the <paramref name="Ordinal"/>-th of its answer (OpenAI's <c>index</c>).</summary>
internal sealed record FakeToolCall(string Id, string Name, string Arguments, int Ordinal);

/// <summary>What one block of the answer holds: the model's thinking (or an encrypted, redacted block), or its text.</summary>
internal enum BlockKind
{
    Thinking,
    RedactedThinking,
    Text,
    /// <summary>A tool call: its arguments' JSON streams in fragments.</summary>
    ToolUse,
}

/// <summary>
/// One protocol's wire format, per request. JSON is written with <see cref="Utf8JsonWriter"/>, non-ASCII kept as raw
/// UTF-8 (accents, emoji), as the real services do.
/// </summary>
internal abstract class Wire
{
    public abstract string Protocol { get; }
    public string Model { get; set; } = "fake-model";
    public int InputTokens { get; set; } = 1;
    public bool IncludeUsage { get; set; }

    public abstract ParsedRequest Parse(JsonElement root);
    public abstract string? AuthScheme(HttpRequest request);
    public abstract string ErrorTypeForStatus(int status);
    public abstract string ErrorJson(int status, string type, string message);

    /// <summary>What goes out before the first token (at once, before the ttft wait), the first block opened.</summary>
    public abstract string StreamStart(BlockKind first, FakeToolCall? tool = null);

    /// <summary>Opens a later block (index 1, 2…): sent just before its first delta.</summary>
    public abstract string BlockStart(BlockKind kind, int index, string? redactedData = null, FakeToolCall? tool = null);

    /// <summary>One token of the block at <paramref name="index"/>.</summary>
    public abstract string Delta(BlockKind kind, int index, string text);

    /// <summary>Closes a block; a thinking block gets its signature first.</summary>
    public abstract string BlockEnd(BlockKind kind, int index, string? signature);

    public abstract string StreamEnd(string stopReason, int outputTokens);
    public abstract string ErrorEvent(string type, string message);
    /// <summary>An event whose data is cut in the middle of its JSON (malformed_after).</summary>
    public abstract string MalformedEvent();
    public abstract string NonStream(string? thinking, string text, string stopReason, int outputTokens);
    /// <summary>Extra response headers (e.g. request-id).</summary>
    public abstract void AddHeaders(HttpResponse response);

    /// <summary>
    /// The signature the fake gives a thinking block: derived from its text, so that a block sent back altered, or with
    /// another block's signature, is refused as Anthropic refuses it.
    /// </summary>
    public static string SignatureOf(string thinking) =>
        "fake-sig-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(thinking)))[..32].ToLowerInvariant();

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON written by <paramref name="write"/>, as a string.</summary>
    protected static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads text from a "content" value: a string, or an array of {type:"text", text} parts (other parts ignored).</summary>
    protected static string ContentText(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString() ?? "";
            case JsonValueKind.Array:
                var sb = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.String) sb.Append(part.GetString());
                    else if (part.ValueKind == JsonValueKind.Object && OptString(part, "type") is null or "text"
                             && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                        sb.Append(t.GetString());
                }
                return sb.ToString();
            default:
                return "";
        }
    }

    /// <summary>Each block of a "content" array as the fake logs it: its type, its text (thinking included) and its signature.</summary>
    protected static IReadOnlyList<FakeBlock> Blocks(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String) return [new FakeBlock("text", content.GetString(), null)];
        if (content.ValueKind != JsonValueKind.Array) return [];
        var blocks = new List<FakeBlock>();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object) continue;
            var type = OptString(part, "type") ?? "text";
            if (type == "tool_use")
            {
                blocks.Add(new FakeBlock(type, part.TryGetProperty("input", out var input) ? input.GetRawText() : null, null)
                {
                    ToolUseId = OptString(part, "id"),
                    Name = OptString(part, "name"),
                });
                continue;
            }
            if (type == "tool_result")
            {
                blocks.Add(new FakeBlock(type, part.TryGetProperty("content", out var result) ? ContentText(result) : null, null)
                {
                    ToolUseId = OptString(part, "tool_use_id"),
                    IsError = OptBool(part, "is_error"),
                });
                continue;
            }
            var text = type switch
            {
                "thinking" => OptString(part, "thinking"),
                "redacted_thinking" => OptString(part, "data"),
                _ => OptString(part, "text"),
            };
            blocks.Add(FileBlock(type, part) ?? new FakeBlock(type, text, OptString(part, "signature")));
        }
        return blocks;
    }

    /// <summary>
    /// A block carrying a file: Anthropic's <c>image</c> and <c>document</c> (base64, text or url source), OpenAI's
    /// <c>image_url</c> (a data URL or an address) and <c>file</c>. Null for any other block.
    /// </summary>
    private static FakeBlock? FileBlock(string type, JsonElement part)
    {
        switch (type)
        {
            case "image" or "document" when part.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object:
                var kind = OptString(source, "type");
                var data = OptString(source, "data");
                return new FakeBlock(type, kind == "text" ? data : null, null)
                {
                    Source = kind,
                    MediaType = OptString(source, "media_type"),
                    Title = OptString(part, "title"),
                    Data = kind == "base64" && data is not null ? Base64(data) : null,
                };
            case "image_url" when part.TryGetProperty("image_url", out var image) && image.ValueKind == JsonValueKind.Object:
                var url = OptString(image, "url") ?? "";
                if (!url.StartsWith("data:", StringComparison.Ordinal)) return new FakeBlock(type, null, null) { Source = "url" };
                var comma = url.IndexOf(',');
                var header = comma > 5 ? url[5..comma] : "";
                return new FakeBlock(type, null, null)
                {
                    Source = "data_url",
                    MediaType = header.Split(';')[0],
                    Data = header.EndsWith(";base64", StringComparison.Ordinal) ? Base64(url[(comma + 1)..]) : null,
                };
            case "file" when part.TryGetProperty("file", out var file) && file.ValueKind == JsonValueKind.Object:
                return new FakeBlock(type, null, null) { Source = "file", Title = OptString(file, "filename") };
            default:
                return null;
        }
    }

    private static byte[]? Base64(string data)
    {
        try
        {
            return Convert.FromBase64String(data);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The names in a request's <c>tools</c> array (Anthropic's <c>name</c>, OpenAI's <c>function.name</c>).</summary>
    protected static IReadOnlyList<string> ToolNames(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array) return [];
        var names = new List<string>();
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object) continue;
            var named = tool.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : tool;
            if (OptString(named, "name") is { } name) names.Add(name);
        }
        return names;
    }

    protected static string? OptString(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    protected static int? OptInt(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    protected static bool OptBool(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    protected static string? Bearer(HttpRequest r)
    {
        var auth = r.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && auth.Length > 7 && auth[7..].Trim().Length > 0 ? "bearer" : null;
    }
}

internal sealed class AnthropicWire : Wire
{
    private readonly string _id = "msg_fake_" + Guid.NewGuid().ToString("N")[..24];
    public override string Protocol => "anthropic";

    public override ParsedRequest Parse(JsonElement root)
    {
        string? system = null;
        if (root.TryGetProperty("system", out var sys))
            system = sys.ValueKind switch
            {
                JsonValueKind.String => sys.GetString(),
                JsonValueKind.Array => string.Join("\n", sys.EnumerateArray()
                    .Where(b => b.ValueKind == JsonValueKind.Object && b.TryGetProperty("text", out _))
                    .Select(b => b.GetProperty("text").GetString())),
                _ => null,
            };
        var messages = new List<FakeMessage>();
        if (root.TryGetProperty("messages", out var msgs) && msgs.ValueKind == JsonValueKind.Array)
            foreach (var m in msgs.EnumerateArray())
            {
                var content = m.TryGetProperty("content", out var c) ? c : default;
                messages.Add(new FakeMessage(OptString(m, "role") ?? "user", content.ValueKind == JsonValueKind.Undefined ? "" : ContentText(content))
                {
                    Blocks = content.ValueKind == JsonValueKind.Undefined ? [] : Blocks(content),
                    Json = m.GetRawText(),
                });
            }
        string? effort = null;
        if (root.TryGetProperty("output_config", out var output) && output.ValueKind == JsonValueKind.Object) effort = OptString(output, "effort");
        return new ParsedRequest(OptString(root, "model"), system, messages, OptInt(root, "max_tokens"), OptBool(root, "stream"), false)
        {
            Thinking = root.TryGetProperty("thinking", out var thinking) && thinking.ValueKind == JsonValueKind.Object ? thinking.GetRawText() : null,
            ReasoningEffort = effort,
            Tools = ToolNames(root),
        };
    }

    public override string? AuthScheme(HttpRequest request) =>
        !string.IsNullOrWhiteSpace(request.Headers["x-api-key"].ToString()) ? "x-api-key" : Bearer(request);

    public override string ErrorTypeForStatus(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 or 503 => "overloaded_error",
        _ => "api_error",
    };

    public override string ErrorJson(int status, string type, string message) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", type);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteString("request_id", RequestId);
        w.WriteEndObject();
    });

    private string RequestId => "req_fake_" + _id[9..];

    public override void AddHeaders(HttpResponse response)
    {
        response.Headers["request-id"] = RequestId;
        response.Headers["anthropic-organization-id"] = "fake-org";
    }

    public override string StreamStart(BlockKind first, FakeToolCall? tool = null) =>
        Event("message_start", Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_start");
            w.WriteStartObject("message");
            w.WriteString("id", _id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", Model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            WriteUsage(w, outputTokens: 1);
            w.WriteEndObject();
            w.WriteEndObject();
        }))
        + (first == BlockKind.RedactedThinking ? "" : BlockStart(first, 0, null, tool))
        + Event("ping", "{\"type\": \"ping\"}");

    public override string BlockStart(BlockKind kind, int index, string? redactedData = null, FakeToolCall? tool = null) =>
        Event("content_block_start", Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_start");
            w.WriteNumber("index", index);
            w.WriteStartObject("content_block");
            switch (kind)
            {
                case BlockKind.Thinking:
                    w.WriteString("type", "thinking");
                    w.WriteString("thinking", "");
                    w.WriteString("signature", "");
                    break;
                case BlockKind.RedactedThinking:
                    w.WriteString("type", "redacted_thinking");
                    w.WriteString("data", redactedData ?? "");
                    break;
                case BlockKind.ToolUse:
                    w.WriteString("type", "tool_use");
                    w.WriteString("id", tool!.Id);
                    w.WriteString("name", tool.Name);
                    w.WriteStartObject("input");
                    w.WriteEndObject();
                    break;
                default:
                    w.WriteString("type", "text");
                    w.WriteString("text", "");
                    break;
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }));

    public override string Delta(BlockKind kind, int index, string text) =>
        Event("content_block_delta", Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_delta");
            w.WriteNumber("index", index);
            w.WriteStartObject("delta");
            if (kind == BlockKind.Thinking)
            {
                w.WriteString("type", "thinking_delta");
                w.WriteString("thinking", text);
            }
            else if (kind == BlockKind.ToolUse)
            {
                w.WriteString("type", "input_json_delta");
                w.WriteString("partial_json", text);
            }
            else
            {
                w.WriteString("type", "text_delta");
                w.WriteString("text", text);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }));

    public override string BlockEnd(BlockKind kind, int index, string? signature)
    {
        var end = Event("content_block_stop", Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_stop");
            w.WriteNumber("index", index);
            w.WriteEndObject();
        }));
        if (kind != BlockKind.Thinking || signature is null) return end;
        return Event("content_block_delta", Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_delta");
            w.WriteNumber("index", index);
            w.WriteStartObject("delta");
            w.WriteString("type", "signature_delta");
            w.WriteString("signature", signature);
            w.WriteEndObject();
            w.WriteEndObject();
        })) + end;
    }

    public override string StreamEnd(string stopReason, int outputTokens) =>
        Event("message_delta", Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", AnthropicStop(stopReason));
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", outputTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        }))
        + Event("message_stop", "{\"type\":\"message_stop\"}");

    public override string MalformedEvent() =>
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"coup\n\n";

    public override string ErrorEvent(string type, string message) => Event("error", ErrorJson(0, type, message));

    public override string NonStream(string? thinking, string text, string stopReason, int outputTokens) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", _id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", Model);
        w.WriteStartArray("content");
        if (thinking is not null)
        {
            w.WriteStartObject();
            w.WriteString("type", "thinking");
            w.WriteString("thinking", thinking);
            w.WriteString("signature", SignatureOf(thinking));
            w.WriteEndObject();
        }
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", text);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("stop_reason", AnthropicStop(stopReason));
        w.WriteNull("stop_sequence");
        WriteUsage(w, outputTokens);
        w.WriteEndObject();
    });

    private void WriteUsage(Utf8JsonWriter w, int outputTokens)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", InputTokens);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", 0);
        w.WriteNumber("output_tokens", outputTokens);
        w.WriteString("service_tier", "standard");
        w.WriteEndObject();
    }

    private static string AnthropicStop(string s) => s switch
    {
        "stop" => "end_turn",
        "length" => "max_tokens",
        _ => s,
    };

    private static string Event(string name, string json) => $"event: {name}\ndata: {json}\n\n";
}

/// <summary>Where an OpenAI-compatible server puts the model's reasoning.</summary>
internal enum ReasoningField
{
    /// <summary>DeepSeek, vLLM before 2026, llama.cpp's deepseek format: <c>delta.reasoning_content</c>.</summary>
    ReasoningContent,
    /// <summary>Ollama, OpenRouter, current vLLM: <c>delta.reasoning</c>.</summary>
    Reasoning,
}

internal sealed class OpenAiWire : Wire
{
    private readonly string _id = "chatcmpl-fake" + Guid.NewGuid().ToString("N")[..20];
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    public override string Protocol => "openai";

    /// <summary>The field the reasoning deltas are written in.</summary>
    public ReasoningField ReasoningField { get; set; }

    public override ParsedRequest Parse(JsonElement root)
    {
        var systems = new List<string>();
        var messages = new List<FakeMessage>();
        if (root.TryGetProperty("messages", out var msgs) && msgs.ValueKind == JsonValueKind.Array)
            foreach (var m in msgs.EnumerateArray())
            {
                var role = OptString(m, "role") ?? "user";
                var content = m.TryGetProperty("content", out var c) ? c : default;
                var text = content.ValueKind == JsonValueKind.Undefined ? "" : ContentText(content);
                if (role is "system" or "developer")
                {
                    systems.Add(text);
                    continue;
                }
                var blocks = new List<FakeBlock>();
                // Reasoning sent back to the server (DeepSeek R1 refuses it), in either field.
                foreach (var field in new[] { "reasoning_content", "reasoning" })
                    if (OptString(m, field) is { } reasoning) blocks.Add(new FakeBlock(field, reasoning, null));
                if (content.ValueKind != JsonValueKind.Undefined) blocks.AddRange(Blocks(content));
                if (m.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                    foreach (var call in calls.EnumerateArray())
                    {
                        var function = call.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
                        blocks.Add(new FakeBlock("tool_use", function.ValueKind == JsonValueKind.Object ? OptString(function, "arguments") : null, null)
                        {
                            ToolUseId = OptString(call, "id"),
                            Name = function.ValueKind == JsonValueKind.Object ? OptString(function, "name") : null,
                        });
                    }
                if (role == "tool") blocks = [new FakeBlock("tool_result", text, null) { ToolUseId = OptString(m, "tool_call_id") }];
                messages.Add(new FakeMessage(role, text) { Blocks = blocks, Json = m.GetRawText() });
            }
        var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object && OptBool(so, "include_usage");
        return new ParsedRequest(OptString(root, "model"), systems.Count == 0 ? null : string.Join("\n\n", systems), messages,
            OptInt(root, "max_completion_tokens") ?? OptInt(root, "max_tokens"), OptBool(root, "stream"), includeUsage)
        {
            ReasoningEffort = OptString(root, "reasoning_effort"),
            Tools = ToolNames(root),
        };
    }

    public override string? AuthScheme(HttpRequest request) => Bearer(request);

    public override string ErrorTypeForStatus(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "invalid_request_error",
        403 => "permission_error",
        404 => "invalid_request_error",
        429 => "rate_limit_error",
        _ => "server_error",
    };

    private static string CodeFor(int status, string type) => status switch
    {
        401 => "invalid_api_key",
        403 => "unsupported_country_region_territory",
        429 => "rate_limit_exceeded",
        503 or 529 => "overloaded",
        _ => type,
    };

    public override string ErrorJson(int status, string type, string message) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", message);
        w.WriteString("type", type);
        w.WriteNull("param");
        w.WriteString("code", CodeFor(status, type));
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public override void AddHeaders(HttpResponse response)
    {
        response.Headers["x-request-id"] = "req_fake_" + _id[13..];
        response.Headers["openai-processing-ms"] = "1";
    }

    private string Chunk(Action<Utf8JsonWriter> delta, string? finishReason) => "data: " + Json(w =>
    {
        w.WriteStartObject();
        WriteHead(w);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        delta(w);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        if (finishReason is null) w.WriteNull("finish_reason");
        else w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }) + "\n\n";

    private void WriteHead(Utf8JsonWriter w)
    {
        w.WriteString("id", _id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", _created);
        w.WriteString("model", Model);
        w.WriteString("system_fingerprint", "fp_fake");
    }

    public override string StreamStart(BlockKind first, FakeToolCall? tool = null) => Chunk(w =>
    {
        w.WriteString("role", "assistant");
        w.WriteString("content", "");
        w.WriteNull("refusal");
    }, null) + BlockStart(first, 0, null, tool);

    /// <summary>The tool call each block index is (OpenAI numbers the calls of an answer 0, 1…: its <c>index</c>).</summary>
    private readonly Dictionary<int, int> _toolOrdinals = [];

    /// <summary>
    /// OpenAI-compatible servers have no blocks: reasoning and text are fields of each chunk's delta. A tool call opens
    /// with a chunk carrying its id and name and empty arguments, as OpenAI's first <c>tool_calls</c> delta does.
    /// </summary>
    public override string BlockStart(BlockKind kind, int index, string? redactedData = null, FakeToolCall? tool = null)
    {
        if (kind != BlockKind.ToolUse || tool is null) return "";
        _toolOrdinals[index] = tool.Ordinal;
        return Chunk(w =>
        {
            w.WriteStartArray("tool_calls");
            w.WriteStartObject();
            w.WriteNumber("index", tool.Ordinal);
            w.WriteString("id", tool.Id);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", tool.Name);
            w.WriteString("arguments", "");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }, null);
    }

    public override string Delta(BlockKind kind, int index, string text) => Chunk(w =>
    {
        if (kind == BlockKind.ToolUse)
        {
            w.WriteStartArray("tool_calls");
            w.WriteStartObject();
            w.WriteNumber("index", _toolOrdinals.GetValueOrDefault(index));
            w.WriteStartObject("function");
            w.WriteString("arguments", text);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else if (kind == BlockKind.Thinking)
        {
            w.WriteNull("content");
            w.WriteString(ReasoningField == ReasoningField.Reasoning ? "reasoning" : "reasoning_content", text);
        }
        else
        {
            w.WriteString("content", text);
        }
    }, null);

    public override string BlockEnd(BlockKind kind, int index, string? signature) => "";

    public override string StreamEnd(string stopReason, int outputTokens)
    {
        var end = Chunk(_ => { }, OpenAiStop(stopReason));
        if (IncludeUsage)
            end += "data: " + Json(w =>
            {
                w.WriteStartObject();
                WriteHead(w);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                WriteUsage(w, outputTokens);
                w.WriteEndObject();
            }) + "\n\n";
        return end + "data: [DONE]\n\n";
    }

    private void WriteUsage(Utf8JsonWriter w, int outputTokens)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", InputTokens);
        w.WriteNumber("completion_tokens", outputTokens);
        w.WriteNumber("total_tokens", InputTokens + outputTokens);
        w.WriteEndObject();
    }

    public override string ErrorEvent(string type, string message) => $"data: {ErrorJson(0, type, message)}\n\n";

    public override string MalformedEvent() =>
        $"data: {{\"id\":\"{_id}\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"coup\n\n";

    public override string NonStream(string? thinking, string text, string stopReason, int outputTokens) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", _id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", _created);
        w.WriteString("model", Model);
        w.WriteString("system_fingerprint", "fp_fake");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", text);
        if (thinking is not null) w.WriteString(ReasoningField == ReasoningField.Reasoning ? "reasoning" : "reasoning_content", thinking);
        w.WriteNull("refusal");
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", OpenAiStop(stopReason));
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w, outputTokens);
        w.WriteEndObject();
    });

    private static string OpenAiStop(string s) => s switch
    {
        "max_tokens" or "length" => "length",
        "refusal" or "content_filter" => "content_filter",
        "tool_use" or "tool_calls" => "tool_calls",
        _ => "stop",
    };
}
