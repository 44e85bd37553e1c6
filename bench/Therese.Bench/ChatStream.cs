using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Therese.Bench;

/// <summary>One SSE event as the client received it (UtcNow and Stopwatch ticks on receipt).</summary>
public sealed record Received(string Type, string Content, JsonElement Json, DateTimeOffset At, long Ticks);

/// <summary>POST /api/chat/stream, read with the real SSE parser, each event timestamped the moment the parser yields it.</summary>
public sealed class ChatStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    public DateTimeOffset SentAt { get; }
    public long SentTicks { get; }
    public List<Received> Events { get; } = [];

    private ChatStream(HttpResponseMessage response, Stream body, DateTimeOffset sentAt, long sentTicks, CancellationToken ct)
    {
        _response = response;
        SentAt = sentAt;
        SentTicks = sentTicks;
        _events = SseParser.Create(body).EnumerateAsync(ct).GetAsyncEnumerator(ct);
    }

    public static async Task<ChatStream> OpenAsync(HttpClient http, string content, string? conversationId = null, CancellationToken ct = default)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, string?> { ["content"] = content, ["conversation_id"] = conversationId });
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/stream")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var sentAt = DateTimeOffset.UtcNow;
        var sentTicks = Stopwatch.GetTimestamp();
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /api/chat/stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        return new ChatStream(response, await response.Content.ReadAsStreamAsync(ct), sentAt, sentTicks, ct);
    }

    /// <summary>The next event (the final [DONE] marker included, as type "[DONE]"), or null at the end.</summary>
    public async Task<Received?> NextAsync()
    {
        if (!await _events.MoveNextAsync()) return null;
        var ticks = Stopwatch.GetTimestamp();
        var at = DateTimeOffset.UtcNow;
        var data = _events.Current.Data;
        Received e;
        if (data == "[DONE]")
        {
            e = new Received("[DONE]", "", default, at, ticks);
        }
        else
        {
            var json = JsonDocument.Parse(data).RootElement;
            e = new Received(json.GetProperty("type").GetString()!, json.GetProperty("content").GetString() ?? "", json, at, ticks);
        }
        Events.Add(e);
        return e;
    }

    public async Task<Received> NextOfTypeAsync(string type)
    {
        while (await NextAsync() is { } e)
            if (e.Type == type) return e;
        throw new InvalidOperationException($"The stream ended without a {type} event: {string.Join(" | ", Events.Select(r => r.Type + ":" + r.Content))}");
    }

    public async Task ReadToEndAsync()
    {
        while (await NextAsync() is not null) { }
    }

    public IEnumerable<Received> Deltas => Events.Where(e => e.Type == "delta");
    public string Text => string.Concat(Deltas.Select(e => e.Content));
    public string? ConversationId => Events.FirstOrDefault(e => e.Type == "start")?.Json.GetProperty("conversation_id").GetString();

    /// <summary>Milliseconds from the POST to this event.</summary>
    public double MsTo(Received e) => Stopwatch.GetElapsedTime(SentTicks, e.Ticks).TotalMilliseconds;

    public async ValueTask DisposeAsync()
    {
        try { await _events.DisposeAsync(); } catch (Exception) { }
        _response.Dispose();
    }
}
