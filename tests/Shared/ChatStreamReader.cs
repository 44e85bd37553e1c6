using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Therese.Testing;

/// <summary>One SSE event as the client received it, time-stamped the moment the parser yielded it.</summary>
public sealed record ReceivedEvent(string? Id, string Data, DateTimeOffset At, long Ticks)
{
    private JsonElement? _json;

    public bool IsDoneMarker => Data == "[DONE]";
    public JsonElement Json => _json ??= JsonDocument.Parse(Data).RootElement;
    public string Type => IsDoneMarker ? "[DONE]" : Json.GetProperty("type").GetString()!;
    public string Content => !IsDoneMarker && Json.TryGetProperty("content", out var c) ? c.GetString() ?? "" : "";
    public long NumericId => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads THÉRÈSE's chat stream with the real SSE parser (System.Net.ServerSentEvents): a new answer
/// (POST /api/chat/stream) or a followed one (GET /api/chat/stream/{id} after an event id). The one
/// SSE client of the tests and the benchmark.
/// </summary>
public sealed class ChatStreamReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    public List<ReceivedEvent> Received { get; } = [];
    public HttpResponseMessage Response => _response;
    public DateTimeOffset SentAt { get; }
    public long SentTicks { get; }

    private ChatStreamReader(HttpResponseMessage response, Stream body, DateTimeOffset sentAt, long sentTicks, CancellationToken ct)
    {
        _response = response;
        SentAt = sentAt;
        SentTicks = sentTicks;
        _events = SseParser.Create(body).EnumerateAsync(ct).GetAsyncEnumerator(ct);
    }

    /// <summary>POST /api/chat/stream (or <paramref name="path"/>) with this body (serialised as JSON); throws unless the answer is 200.</summary>
    public static Task<ChatStreamReader> OpenAsync(HttpClient http, object body, CancellationToken ct = default, string path = "/api/chat/stream") =>
        SendAsync(http, new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        }, ct);

    /// <summary>GET /api/chat/stream/{messageId} with Last-Event-ID: the events after it, then the live rest.</summary>
    public static Task<ChatStreamReader> FollowAsync(HttpClient http, string messageId, long? lastEventId = null, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/chat/stream/{Uri.EscapeDataString(messageId)}");
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return SendAsync(http, request, ct);
    }

    private static async Task<ChatStreamReader> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
    {
        var sentAt = DateTimeOffset.UtcNow;
        var sentTicks = Stopwatch.GetTimestamp();
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            response.Dispose();
            throw new HttpRequestException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }
        return new ChatStreamReader(response, await response.Content.ReadAsStreamAsync(ct), sentAt, sentTicks, ct);
    }

    /// <summary>The next event (the final [DONE] marker included), or null at the end of the stream.</summary>
    public async Task<ReceivedEvent?> NextAsync()
    {
        if (!await _events.MoveNextAsync()) return null;
        var ticks = Stopwatch.GetTimestamp();
        var e = new ReceivedEvent(_events.Current.EventId, _events.Current.Data, DateTimeOffset.UtcNow, ticks);
        Received.Add(e);
        return e;
    }

    public async Task<ReceivedEvent> NextOfTypeAsync(string type)
    {
        while (await NextAsync() is { } e)
            if (e.Type == type) return e;
        throw new InvalidOperationException($"The stream ended without a {type} event. Received: {string.Join(" | ", Received.Select(r => r.Data))}");
    }

    public async Task<List<ReceivedEvent>> ReadToEndAsync()
    {
        while (await NextAsync() is not null) { }
        return Received;
    }

    public IEnumerable<ReceivedEvent> Deltas => Received.Where(e => !e.IsDoneMarker && e.Type == "delta");

    /// <summary>The text of the deltas received.</summary>
    public string Text => string.Concat(Deltas.Select(e => e.Content));

    public string? ConversationId => Received.FirstOrDefault(e => !e.IsDoneMarker && e.Type == "start")?.Json.GetProperty("conversation_id").GetString();
    public string? MessageId => Received.FirstOrDefault(e => !e.IsDoneMarker && e.Type == "start")?.Json.GetProperty("message_id").GetString();

    /// <summary>The highest event id received so far (0 before any), as a reconnecting client sends it.</summary>
    public long LastEventId => Received.Where(e => e.Id is not null).Select(e => e.NumericId).DefaultIfEmpty(0).Max();

    /// <summary>Milliseconds from the request to this event.</summary>
    public double MsTo(ReceivedEvent e) => Stopwatch.GetElapsedTime(SentTicks, e.Ticks).TotalMilliseconds;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _events.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException)
        {
            // The connection is being dropped on purpose.
        }
        _response.Dispose();
    }
}
