using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Therese.Tests.Chat;

/// <summary>One SSE event as the client received it.</summary>
public sealed record ReceivedEvent(string? Id, string Data, DateTimeOffset At)
{
    public bool IsDoneMarker => Data == "[DONE]";
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
    public string Type => IsDoneMarker ? "[DONE]" : Json.GetProperty("type").GetString()!;
    public string Content => Json.GetProperty("content").GetString()!;
}

/// <summary>Posts to /api/chat/stream and reads the events as they arrive, with the real SSE parser.</summary>
public sealed class ChatStreamReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _events;
    public List<ReceivedEvent> Received { get; } = [];
    public HttpResponseMessage Response => _response;

    private ChatStreamReader(HttpResponseMessage response, Stream body, CancellationToken ct)
    {
        _response = response;
        _events = SseParser.Create(body).EnumerateAsync(ct).GetAsyncEnumerator(ct);
    }

    public static async Task<ChatStreamReader> OpenAsync(HttpClient http, object body, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/stream")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return new ChatStreamReader(response, await response.Content.ReadAsStreamAsync(ct), ct);
    }

    /// <summary>The next event, or null at the end of the stream.</summary>
    public async Task<ReceivedEvent?> NextAsync()
    {
        if (!await _events.MoveNextAsync()) return null;
        var e = new ReceivedEvent(_events.Current.EventId, _events.Current.Data, DateTimeOffset.UtcNow);
        Received.Add(e);
        return e;
    }

    public async Task<ReceivedEvent> NextOfTypeAsync(string type)
    {
        while (await NextAsync() is { } e)
            if (e.Type == type) return e;
        throw new Xunit.Sdk.XunitException($"The stream ended without a {type} event. Received: {string.Join(" | ", Received.Select(r => r.Data))}");
    }

    public async Task<List<ReceivedEvent>> ReadToEndAsync()
    {
        while (await NextAsync() is not null) { }
        return Received;
    }

    public string Text => string.Concat(Received.Where(e => !e.IsDoneMarker && e.Type == "delta").Select(e => e.Content));

    public async ValueTask DisposeAsync()
    {
        await _events.DisposeAsync();
        _response.Dispose();
    }
}
