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

        var lastUser = req.Messages.LastOrDefault(m => m.Role == "user")?.Content;
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

        IReadOnlyList<string> tokens = d switch
        {
            { Text: { } t } => FakeText.Split(t),
            { Tokens: int n } => FakeText.Tokens(n, d.Markdown),
            { Chars: int c } => FakeText.OfLength(c, d.Markdown),
            _ => FakeText.Split(DefaultAnswer(lastUser)),
        };
        var stopReason = d?.StopReason ?? "end_turn";
        if (req.MaxTokens is > 0 and var max && tokens.Count > max)
        {
            tokens = tokens.Take(max).ToArray();
            stopReason = "max_tokens";
        }

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
            var body = wire.NonStream(string.Concat(tokens), stopReason, tokens.Count);
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
        await WriteAsync(resp, wire.StreamStart(), false, aborted);

        var sw = Stopwatch.StartNew();
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
            await WriteAsync(resp, wire.TokenEvent(tokens[k]), split, aborted);
            log.TokenWritten();
        }
        await WriteAsync(resp, wire.StreamEnd(stopReason, tokens.Count), false, aborted);
        log.Complete("completed");
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
