using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Therese.FakeLlm;

/// <summary>Shared state: the request log and the per-directive counters used by "times".</summary>
internal sealed class FakeState
{
    private readonly Lock _gate = new();
    private readonly List<FakeRequest> _log = [];
    private readonly Dictionary<string, int> _directiveCounts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refusedKeys = new(StringComparer.Ordinal);
    private int _nextId;

    public void RefuseKey(string key)
    {
        lock (_gate) _refusedKeys.Add(key);
    }

    /// <summary>The request carries a key the tests told the fake to refuse (x-api-key or Bearer).</summary>
    public bool Refuses(HttpRequest request)
    {
        var auth = request.Headers.Authorization.ToString();
        var bearer = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim() : null;
        var apiKey = request.Headers["x-api-key"].ToString();
        lock (_gate) return (bearer is not null && _refusedKeys.Contains(bearer)) || _refusedKeys.Contains(apiKey);
    }

    public FakeRequest NewRequest(string protocol)
    {
        lock (_gate)
        {
            var r = new FakeRequest(++_nextId, protocol);
            _log.Add(r);
            return r;
        }
    }

    public IReadOnlyList<FakeRequest> Snapshot()
    {
        lock (_gate) return _log.ToArray();
    }

    public void Clear()
    {
        lock (_gate)
        {
            _log.Clear();
            _directiveCounts.Clear();
        }
    }

    /// <summary>1-based count of requests seen so far carrying this exact directive JSON.</summary>
    public int CountDirective(string raw)
    {
        lock (_gate)
        {
            _directiveCounts.TryGetValue(raw, out var n);
            _directiveCounts[raw] = ++n;
            return n;
        }
    }
}

/// <summary>Runs one chat request: parse, log, script, write.</summary>
internal static class FakeEngine
{
    /// <summary>Models whose name starts with this do not exist: 404, as the real services answer.</summary>
    internal const string UnknownModelPrefix = "unknown-";

    private const double DefaultTps = 30;
    private const int DefaultTtftMs = 300;
    private static readonly TimeSpan DropGrace = TimeSpan.FromMilliseconds(100);

    public static async Task HandleAsync(HttpContext ctx, FakeState state, Wire wire)
    {
        var log = state.NewRequest(wire.Protocol);
        var aborted = ctx.RequestAborted;
        using var reg = aborted.Register(static o => ((FakeRequest)o!).MarkDisconnected(), log);
        try
        {
            await RunAsync(ctx, state, wire, log, aborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException || aborted.IsCancellationRequested)
        {
            log.MarkDisconnected();
        }
        finally
        {
            // Anything still "running" here ended without a recognised outcome (should not happen).
            if (log.Outcome == "running") log.Complete("completed");
        }
    }

    private static async Task RunAsync(HttpContext ctx, FakeState state, Wire wire, FakeRequest log, CancellationToken aborted)
    {
        ParsedRequest req;
        log.AuthScheme = wire.AuthScheme(ctx.Request);
        log.HttpVersion = ctx.Request.Protocol;
        try
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: aborted);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("The body must be a JSON object.");
            req = wire.Parse(doc.RootElement);
            log.Body = doc.RootElement.GetRawText();
        }
        catch (JsonException ex)
        {
            await HttpErrorAsync(ctx, wire, log, 400, null, $"Invalid JSON body: {ex.Message}", 0);
            return;
        }
        log.Model = req.Model;
        log.System = req.System;
        log.Messages = req.Messages;
        log.MaxTokens = req.MaxTokens;
        log.Thinking = req.Thinking;
        log.ReasoningEffort = req.ReasoningEffort;
        log.Tools = req.Tools;
        wire.Model = req.Model ?? "fake-model";
        wire.InputTokens = req.InputTokens;
        wire.IncludeUsage = req.IncludeUsage;

        if (log.AuthScheme is null)
        {
            var msg = wire is AnthropicWire
                ? "x-api-key header is required (the fake accepts any non-empty key, or Authorization: Bearer <key>)"
                : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (the fake accepts any non-empty key).";
            await HttpErrorAsync(ctx, wire, log, 401, null, msg, 0);
            return;
        }

        if (state.Refuses(ctx.Request))
        {
            await HttpErrorAsync(ctx, wire, log, 401, null, "invalid x-api-key (refused by the fake, as the tests asked)", 0);
            return;
        }
        if (req.Model?.StartsWith(UnknownModelPrefix, StringComparison.Ordinal) == true)
        {
            await HttpErrorAsync(ctx, wire, log, 404, null, $"model: {req.Model}", 0);
            return;
        }
        if (Refusal(req) is { } refused)
        {
            await HttpErrorAsync(ctx, wire, log, 400, null, refused, 0);
            return;
        }

        // The person's last message; Anthropic sends tool results as a user message too, which is not theirs.
        var asked = req.Messages.ToList().FindLastIndex(m => m.Role == "user" && !(m.Blocks.Count > 0 && m.Blocks.All(b => b.Type == "tool_result")));
        var lastUser = asked < 0 ? null : req.Messages[asked].Content;
        var roundsDone = asked < 0 ? 0 : req.Messages.Skip(asked + 1).Count(m => m.Role == "assistant" && m.Blocks.Any(b => b.Type == "tool_use"));
        Directive? d;
        try
        {
            d = Directive.Find(lastUser);
        }
        catch (FormatException ex)
        {
            await HttpErrorAsync(ctx, wire, log, 400, null, ex.Message, 0);
            return;
        }
        log.Directive = d?.Raw;

        var failing = d is { HasFailure: true } && (d.Times is null || state.CountDirective(d.Raw) <= d.Times);
        if (failing && d!.Status is int status)
        {
            await HttpErrorAsync(ctx, wire, log, status, null, $"Fake error {status.ToString(CultureInfo.InvariantCulture)} requested by the ::fake directive", d.RetryAfter);
            return;
        }

        if (failing && d!.Hang)
        {
            // The request was read; no status line, no header, ever.
            await HangAsync(log, aborted);
            return;
        }

        var round = d?.Tools is { } rounds && roundsDone < rounds.Count ? rounds[roundsDone] : null;
        var plan = Plan(d, lastUser, wire, round);
        var stopReason = round is not null ? "tool_use" : d?.StopReason ?? "end_turn";
        if (req.MaxTokens is > 0 and var max && plan.Tokens > max)
        {
            plan = plan.Take(max);
            stopReason = "max_tokens";
        }
        var tokens = plan.Flat;

        var tps = d?.Tps ?? DefaultTps;
        var ttft = TimeSpan.FromMilliseconds(d?.TtftMs ?? DefaultTtftMs);
        var errorAfter = failing ? d!.ErrorAfter : null;
        var dropAfter = failing ? d!.DropAfter : null;
        var stallAfter = failing ? d!.StallAfter : null;
        var malformedAfter = failing ? d!.MalformedAfter : null;
        var split = d?.SplitUtf8 ?? false;

        var resp = ctx.Response;
        wire.AddHeaders(resp);

        if (!req.Stream)
        {
            await Task.Delay(ttft, aborted);
            if (dropAfter is not null) { Drop(ctx, log); return; }
            if (stallAfter is not null) { await StallAsync(log, aborted); return; }
            if (errorAfter is not null)
            {
                var st = d!.ErrorType switch { "overloaded_error" => 529, "rate_limit_error" => 429, "authentication_error" => 401, "permission_error" => 403, "invalid_request_error" => 400, _ => 500 };
                await HttpErrorAsync(ctx, wire, log, st, d.ErrorType, "Fake error requested by the ::fake directive (error_after on a non-streaming request)", d.RetryAfter);
                return;
            }
            var body = wire.NonStream(plan.ThinkingText, plan.Text, stopReason, tokens.Count);
            resp.StatusCode = 200;
            resp.ContentType = "application/json";
            await resp.Body.WriteAsync(Encoding.UTF8.GetBytes(body), aborted);
            foreach (var _ in tokens) log.TokenWritten();
            log.Complete("completed");
            return;
        }

        resp.StatusCode = 200;
        resp.ContentType = "text/event-stream; charset=utf-8";
        resp.Headers.CacheControl = "no-cache, no-transform";
        resp.Headers["X-Accel-Buffering"] = "no";
        await WriteAsync(resp, wire.StreamStart(plan.Blocks[0].Kind, plan.Blocks[0].Tool), false, aborted);

        string Open(int b) => wire.BlockStart(plan.Blocks[b].Kind, b, plan.Blocks[b].Kind == BlockKind.RedactedThinking ? RedactedData : null, plan.Blocks[b].Tool);
        string Close(int b) => wire.BlockEnd(plan.Blocks[b].Kind, b, plan.Blocks[b].Kind == BlockKind.Thinking ? Wire.SignatureOf(plan.Blocks[b].Text) : null);

        var sw = Stopwatch.StartNew();
        var block = -1;
        for (var k = 0; ; k++)
        {
            if (errorAfter == k)
            {
                await WriteAsync(resp, wire.ErrorEvent(d!.ErrorType, ErrorMessage(d.ErrorType)), false, aborted);
                log.Complete("error_event");
                return;
            }
            if (dropAfter == k)
            {
                // Let the client read what was already flushed (a reset discards unread data), then reset.
                await Task.Delay(DropGrace, aborted);
                Drop(ctx, log);
                return;
            }
            if (stallAfter == k) { await StallAsync(log, aborted); return; }
            if (malformedAfter == k)
            {
                // A data line that is not JSON, in the middle of the answer; the rest follows as if nothing happened.
                await WriteAsync(resp, wire.MalformedEvent(), false, aborted);
                log.MalformedSent = true;
            }
            if (k >= tokens.Count) break;

            if (tps > 0 || k == 0)
            {
                var due = ttft + (tps > 0 ? TimeSpan.FromSeconds(k / tps) : TimeSpan.Zero);
                var wait = due - sw.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, aborted);
            }
            var (kind, index, text) = tokens[k];
            if (index != block)
            {
                // The blocks before this token's close (a redacted one, which has no token, opens and closes here),
                // and its own opens: the first block opened with the preamble, unless it was redacted.
                var switching = new StringBuilder();
                for (var b = Math.Max(block, 0); b < index; b++)
                {
                    if (b == 0 && block < 0 && plan.Blocks[0].Kind == BlockKind.RedactedThinking) switching.Append(Open(0));
                    switching.Append(Close(b)).Append(Open(b + 1));
                }
                if (switching.Length > 0) await WriteAsync(resp, switching.ToString(), false, aborted);
                block = index;
            }
            await WriteAsync(resp, wire.Delta(kind, index, text), split, aborted);
            log.TokenWritten();
        }
        var last = Math.Max(block, 0);
        await WriteAsync(resp, (block < 0 && plan.Blocks[0].Kind == BlockKind.RedactedThinking ? Open(0) : "") + Close(last), false, aborted);
        await WriteAsync(resp, wire.StreamEnd(stopReason, tokens.Count), false, aborted);
        log.Complete("completed");
    }

    /// <summary>The data of the redacted_thinking block a <c>redacted</c> directive sends (opaque, as Anthropic's).</summary>
    internal const string RedactedData = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj8ISjAk";

    /// <summary>Models whose name starts with this cannot think: asking them to is a 400, as Ollama answers.</summary>
    internal const string NoThinkingModelPrefix = "nothink-";

    /// <summary>Models whose name starts with this read no images: a request with one is refused, as text-only models are.</summary>
    internal const string NoImageModelPrefix = "noimage-";

    /// <summary>
    /// Images the real services refuse: any image for a text-only model (OpenAI's own words), and in a data URL anything
    /// but PNG, JPEG and WebP (Ollama decodes no other).
    /// </summary>
    private static string? ImageRefusal(ParsedRequest req)
    {
        var images = req.Messages.SelectMany(m => m.Blocks).Where(b => b.Type is "image" or "image_url").ToList();
        if (images.Count == 0) return null;
        if (req.Model?.StartsWith(NoImageModelPrefix, StringComparison.Ordinal) == true)
            return "Invalid content type. image_url is only supported by certain models.";
        if (images.FirstOrDefault(b => b is { Type: "image_url", Source: "data_url" } && b.MediaType is not ("image/png" or "image/jpeg" or "image/webp")) is { } odd)
            return $"invalid image input: unsupported image format {odd.MediaType}";
        return null;
    }

    private static readonly HashSet<string> Efforts = ["none", "minimal", "low", "medium", "high"];

    /// <summary>
    /// What the real services refuse in a request that THÉRÈSE builds: thinking asked of a model that cannot think,
    /// a thinking budget outside Anthropic's rules, an effort Ollama does not know, a thinking block sent back altered.
    /// </summary>
    private static string? Refusal(ParsedRequest req)
    {
        var noThinking = req.Model?.StartsWith(NoThinkingModelPrefix, StringComparison.Ordinal) == true;
        if (req.Thinking is { } thinkingJson)
        {
            using var thinking = JsonDocument.Parse(thinkingJson);
            var type = thinking.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (noThinking && type is "enabled" or "adaptive") return $"\"{req.Model}\" does not support thinking";
            if (type == "enabled")
            {
                var budget = thinking.RootElement.TryGetProperty("budget_tokens", out var b) && b.TryGetInt32(out var n) ? n : 0;
                if (budget < 1024) return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
                if (req.MaxTokens is { } max && budget >= max) return "`max_tokens` must be greater than `thinking.budget_tokens`";
            }
        }
        if (req.ReasoningEffort is { } effort)
        {
            if (noThinking) return $"\"{req.Model}\" does not support thinking";
            if (!Efforts.Contains(effort)) return $"invalid reasoning value: '{effort}' (must be \"high\", \"medium\", \"low\", or \"none\")";
        }
        if (ImageRefusal(req) is { } images) return images;
        for (var m = 0; m < req.Messages.Count; m++)
        {
            var blocks = req.Messages[m].Blocks;
            for (var i = 0; i < blocks.Count; i++)
                if (blocks[i] is { Type: "thinking" } block && block.Signature != Wire.SignatureOf(block.Text ?? ""))
                    return $"messages.{m}.content.{i}: Invalid `signature` in `thinking` block";
        }
        return null;
    }

    /// <summary>The answer's blocks: its thinking (Anthropic: a redacted block first when asked), then its text.</summary>
    private static AnswerPlan Plan(Directive? d, string? lastUser, Wire wire, IReadOnlyList<Directive.ToolCall>? round = null)
    {
        IReadOnlyList<string> Split(string text) => d?.ChunkChars is { } n ? FakeText.Chunks(text, n) : FakeText.Split(text);
        var text = d switch
        {
            { Text: { } t } => t,
            { Tokens: int n } => FakeText.Text(n, d.Markdown),
            { Chars: int c } => string.Concat(FakeText.OfLength(c, d.Markdown)),
            _ => DefaultAnswer(lastUser),
        };
        IReadOnlyList<string> textTokens = d switch
        {
            { Text: not null } or { ChunkChars: not null } => Split(text),
            { Tokens: int n } => FakeText.Tokens(n, d.Markdown),
            { Chars: int c } => FakeText.OfLength(c, d.Markdown),
            _ => Split(text),
        };
        var thinking = d?.Thinking ?? (d?.ThinkingTokens is int count ? FakeText.Text(count) : null);
        var blocks = new List<PlannedBlock>();
        if (wire is OpenAiWire openAi)
        {
            var format = d?.Reasoning ?? "reasoning_content";
            openAi.ReasoningField = format == "reasoning" ? ReasoningField.Reasoning : ReasoningField.ReasoningContent;
            if (thinking is not null && format is "think_tags" or "think_close")
            {
                // Inline: the reasoning is text, between tags (or after a tag the chat template wrote in the prompt).
                var inline = (format == "think_tags" ? "<think>" : "") + thinking + "</think>" + text;
                return new AnswerPlan([new PlannedBlock(BlockKind.Text, inline, Split(inline))]);
            }
        }
        else if (d?.Redacted == true)
        {
            blocks.Add(new PlannedBlock(BlockKind.RedactedThinking, "", []));
        }
        if (thinking is not null) blocks.Add(new PlannedBlock(BlockKind.Thinking, thinking, Split(thinking)));
        if (round is null)
        {
            blocks.Add(new PlannedBlock(BlockKind.Text, text, textTokens));
            return new AnswerPlan(blocks);
        }
        // A tool round instead of the text: each call's arguments stream in small fragments, the first one empty
        // (as Anthropic's first input_json_delta often is).
        var prefix = wire is AnthropicWire ? "toolu_fake_" : "call_fake_";
        for (var i = 0; i < round.Count; i++)
        {
            var call = new FakeToolCall(prefix + Guid.NewGuid().ToString("N")[..20], round[i].Name, round[i].Arguments, i);
            blocks.Add(new PlannedBlock(BlockKind.ToolUse, call.Arguments, ["", .. FakeText.Chunks(call.Arguments, 8)]) { Tool = call });
        }
        return new AnswerPlan(blocks);
    }

    private sealed record PlannedBlock(BlockKind Kind, string Text, IReadOnlyList<string> Tokens)
    {
        public FakeToolCall? Tool { get; init; }
    }

    /// <summary>The blocks of an answer, and its tokens in order with the block each belongs to.</summary>
    private sealed record AnswerPlan(IReadOnlyList<PlannedBlock> Blocks)
    {
        public IReadOnlyList<(BlockKind Kind, int Index, string Text)> Flat { get; } =
            [.. Blocks.SelectMany((b, i) => b.Tokens.Select(t => (b.Kind, i, t)))];

        public int Tokens => Flat.Count;

        public string? ThinkingText => Blocks.FirstOrDefault(b => b.Kind == BlockKind.Thinking)?.Text;

        public string Text => string.Concat(Blocks.Where(b => b.Kind == BlockKind.Text).SelectMany(b => b.Tokens));

        /// <summary>The first <paramref name="count"/> tokens (max_tokens): later blocks go, the one cut keeps its start.</summary>
        public AnswerPlan Take(int count)
        {
            var kept = new List<PlannedBlock>();
            foreach (var b in Blocks)
            {
                if (count <= 0 && b.Tokens.Count > 0) break;
                var tokens = b.Tokens.Take(count).ToArray();
                kept.Add(b with { Tokens = tokens, Text = b.Kind == BlockKind.Thinking ? string.Concat(tokens) : b.Text });
                count -= tokens.Length;
            }
            return new AnswerPlan(kept);
        }
    }

    private static string ErrorMessage(string type) => type switch
    {
        "overloaded_error" => "Overloaded",
        "rate_limit_error" => "Rate limited",
        "api_error" => "Internal server error",
        _ => "Fake error requested by the ::fake directive",
    };

    private static void Drop(HttpContext ctx, FakeRequest log)
    {
        log.ServerAborted = true;
        log.Complete("dropped");
        ctx.Abort();
    }

    private static async Task StallAsync(FakeRequest log, CancellationToken aborted)
    {
        log.SetOutcome("stalled");
        try { await Task.Delay(Timeout.InfiniteTimeSpan, aborted); }
        catch (OperationCanceledException) { }
        log.MarkDisconnected();
    }

    private static async Task HangAsync(FakeRequest log, CancellationToken aborted)
    {
        log.SetOutcome("hung");
        try { await Task.Delay(Timeout.InfiniteTimeSpan, aborted); }
        catch (OperationCanceledException) { }
        log.MarkDisconnected();
    }

    private static async Task HttpErrorAsync(HttpContext ctx, Wire wire, FakeRequest log, int status, string? type, string message, int retryAfter)
    {
        var resp = ctx.Response;
        wire.AddHeaders(resp);
        resp.StatusCode = status;
        resp.ContentType = "application/json";
        if (status is 429 or 503 or 529)
            resp.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        log.SetStatus(status);
        log.Complete("http_error");
        await resp.Body.WriteAsync(Encoding.UTF8.GetBytes(wire.ErrorJson(status, type ?? wire.ErrorTypeForStatus(status), message)), ctx.RequestAborted);
    }

    /// <summary>Writes one SSE event and flushes. With <paramref name="splitUtf8"/>, an event holding a multi-byte character
    /// is written in two writes split inside that character's bytes, with a flush and ~5 ms between them.</summary>
    private static async Task WriteAsync(HttpResponse resp, string text, bool splitUtf8, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var cut = splitUtf8 ? Array.FindIndex(bytes, b => b >= 0xC0) : -1;
        if (cut >= 0)
        {
            await resp.Body.WriteAsync(bytes.AsMemory(0, cut + 1), ct);
            await resp.Body.FlushAsync(ct);
            await Task.Delay(5, ct);
            await resp.Body.WriteAsync(bytes.AsMemory(cut + 1), ct);
        }
        else
        {
            await resp.Body.WriteAsync(bytes, ct);
        }
        await resp.Body.FlushAsync(ct);
    }

    internal static string DefaultAnswer(string? userText)
    {
        var quoted = (userText ?? "").Trim();
        if (quoted.Length > 200) quoted = quoted[..200] + "…";
        return $"""
            Bonjour ! Je suis le fournisseur factice de THÉRÈSE. Vous avez écrit : « {quoted} »

            Voici une petite démonstration **Markdown** :

            - une liste à puces, avec des accents : é, è, à, ç, ô, œ ;
            - un émoji ☕ 🇫🇷 ;
            - du `code en ligne`.

            | Élément | Coût |
            |---|---:|
            | Café | 2,50 € |
            | Croissant | 1,20 € |

            ```python
            print("Déjà là !")
            ```

            Ajoutez une ligne `::fake {"{"}"tokens":50,"tps":100{"}"}` à votre message pour piloter la réponse.
            """;
    }
}
