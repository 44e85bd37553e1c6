using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Therese.FakeLlm;

/// <summary>What the handler learned from the request body.</summary>
internal sealed record ParsedRequest(
    string? Model, string? System, IReadOnlyList<FakeMessage> Messages, int? MaxTokens, bool Stream, bool IncludeUsage)
{
    public int InputTokens =>
        Math.Max(1, ((System?.Length ?? 0) + Messages.Sum(m => m.Content.Length)) / 4);
}

/// <summary>One protocol's wire format, per request.</summary>
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
    public abstract string StreamStart();
    public abstract string TokenEvent(string text);
    public abstract string StreamEnd(string stopReason, int outputTokens);
    public abstract string ErrorEvent(string type, string message);
    /// <summary>An event whose data is cut in the middle of its JSON (malformed_after).</summary>
    public abstract string MalformedEvent();
    public abstract string NonStream(string text, string stopReason, int outputTokens);
    /// <summary>Extra response headers (e.g. request-id).</summary>
    public abstract void AddHeaders(HttpResponse response);

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
                    else if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                        sb.Append(t.GetString());
                }
                return sb.ToString();
            default:
                return "";
        }
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

/// <summary>Minimal JSON string escaping that keeps non-ASCII characters (accents, emoji) as raw UTF-8, like the real services.</summary>
internal static class Js
{
    public static string S(string? value)
    {
        if (value is null) return "null";
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\u2028': sb.Append("\\u2028"); break;
                case '\u2029': sb.Append("\\u2029"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    public static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
    public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
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
                messages.Add(new FakeMessage(OptString(m, "role") ?? "user", m.TryGetProperty("content", out var c) ? ContentText(c) : ""));
        return new ParsedRequest(OptString(root, "model"), system, messages, OptInt(root, "max_tokens"), OptBool(root, "stream"), false);
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

    public override string ErrorJson(int status, string type, string message) =>
        $"{{\"type\":\"error\",\"error\":{{\"type\":{Js.S(type)},\"message\":{Js.S(message)}}},\"request_id\":{Js.S(RequestId)}}}";

    private string RequestId => "req_fake_" + _id[9..];

    public override void AddHeaders(HttpResponse response)
    {
        response.Headers["request-id"] = RequestId;
        response.Headers["anthropic-organization-id"] = "fake-org";
    }

    public override string StreamStart() =>
        Event("message_start",
            $"{{\"type\":\"message_start\",\"message\":{{\"id\":{Js.S(_id)},\"type\":\"message\",\"role\":\"assistant\",\"model\":{Js.S(Model)},\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{{\"input_tokens\":{Js.N(InputTokens)},\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1,\"service_tier\":\"standard\"}}}}}}")
        + Event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
        + Event("ping", "{\"type\": \"ping\"}");

    public override string TokenEvent(string text) =>
        Event("content_block_delta", $"{{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":{Js.S(text)}}}}}");

    public override string StreamEnd(string stopReason, int outputTokens) =>
        Event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
        + Event("message_delta", $"{{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":{Js.S(AnthropicStop(stopReason))},\"stop_sequence\":null}},\"usage\":{{\"output_tokens\":{Js.N(outputTokens)}}}}}")
        + Event("message_stop", "{\"type\":\"message_stop\"}");

    public override string MalformedEvent() =>
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"coup\n\n";

    public override string ErrorEvent(string type, string message) =>
        Event("error", $"{{\"type\":\"error\",\"error\":{{\"type\":{Js.S(type)},\"message\":{Js.S(message)}}},\"request_id\":{Js.S(RequestId)}}}");

    public override string NonStream(string text, string stopReason, int outputTokens) =>
        $"{{\"id\":{Js.S(_id)},\"type\":\"message\",\"role\":\"assistant\",\"model\":{Js.S(Model)},\"content\":[{{\"type\":\"text\",\"text\":{Js.S(text)}}}],\"stop_reason\":{Js.S(AnthropicStop(stopReason))},\"stop_sequence\":null,\"usage\":{{\"input_tokens\":{Js.N(InputTokens)},\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":{Js.N(outputTokens)},\"service_tier\":\"standard\"}}}}";

    private static string AnthropicStop(string s) => s switch
    {
        "stop" => "end_turn",
        "length" => "max_tokens",
        _ => s,
    };

    private static string Event(string name, string json) => $"event: {name}\ndata: {json}\n\n";
}

internal sealed class OpenAiWire : Wire
{
    private readonly string _id = "chatcmpl-fake" + Guid.NewGuid().ToString("N")[..20];
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    public override string Protocol => "openai";

    public override ParsedRequest Parse(JsonElement root)
    {
        var systems = new List<string>();
        var messages = new List<FakeMessage>();
        if (root.TryGetProperty("messages", out var msgs) && msgs.ValueKind == JsonValueKind.Array)
            foreach (var m in msgs.EnumerateArray())
            {
                var role = OptString(m, "role") ?? "user";
                var text = m.TryGetProperty("content", out var c) ? ContentText(c) : "";
                if (role is "system" or "developer") systems.Add(text);
                else messages.Add(new FakeMessage(role, text));
            }
        var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object && OptBool(so, "include_usage");
        return new ParsedRequest(OptString(root, "model"), systems.Count == 0 ? null : string.Join("\n\n", systems), messages,
            OptInt(root, "max_completion_tokens") ?? OptInt(root, "max_tokens"), OptBool(root, "stream"), includeUsage);
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
        0 => type,
        _ => type,
    };

    public override string ErrorJson(int status, string type, string message) =>
        $"{{\"error\":{{\"message\":{Js.S(message)},\"type\":{Js.S(type)},\"param\":null,\"code\":{Js.S(CodeFor(status, type))}}}}}";

    public override void AddHeaders(HttpResponse response)
    {
        response.Headers["x-request-id"] = "req_fake_" + _id[13..];
        response.Headers["openai-processing-ms"] = "1";
    }

    private string Chunk(string delta, string? finishReason) =>
        $"data: {{\"id\":{Js.S(_id)},\"object\":\"chat.completion.chunk\",\"created\":{Js.N(_created)},\"model\":{Js.S(Model)},\"system_fingerprint\":\"fp_fake\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\"finish_reason\":{Js.S(finishReason)}}}]}}\n\n";

    public override string StreamStart() => Chunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null);

    public override string TokenEvent(string text) => Chunk($"{{\"content\":{Js.S(text)}}}", null);

    public override string StreamEnd(string stopReason, int outputTokens)
    {
        var end = Chunk("{}", OpenAiStop(stopReason));
        if (IncludeUsage)
            end += $"data: {{\"id\":{Js.S(_id)},\"object\":\"chat.completion.chunk\",\"created\":{Js.N(_created)},\"model\":{Js.S(Model)},\"system_fingerprint\":\"fp_fake\",\"choices\":[],\"usage\":{Usage(outputTokens)}}}\n\n";
        return end + "data: [DONE]\n\n";
    }

    private string Usage(int outputTokens) =>
        $"{{\"prompt_tokens\":{Js.N(InputTokens)},\"completion_tokens\":{Js.N(outputTokens)},\"total_tokens\":{Js.N(InputTokens + outputTokens)}}}";

    public override string ErrorEvent(string type, string message) =>
        $"data: {ErrorJson(0, type, message)}\n\n";

    public override string MalformedEvent() =>
        $"data: {{\"id\":{Js.S(_id)},\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"coup\n\n";

    public override string NonStream(string text, string stopReason, int outputTokens) =>
        $"{{\"id\":{Js.S(_id)},\"object\":\"chat.completion\",\"created\":{Js.N(_created)},\"model\":{Js.S(Model)},\"system_fingerprint\":\"fp_fake\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":{Js.S(text)},\"refusal\":null}},\"logprobs\":null,\"finish_reason\":{Js.S(OpenAiStop(stopReason))}}}],\"usage\":{Usage(outputTokens)}}}";

    private static string OpenAiStop(string s) => s switch
    {
        "max_tokens" or "length" => "length",
        "refusal" or "content_filter" => "content_filter",
        "tool_use" or "tool_calls" => "tool_calls",
        _ => "stop",
    };
}
