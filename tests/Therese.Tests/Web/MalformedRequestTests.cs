using System.Net;
using System.Text;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Web;

/// <summary>
/// A malformed request to some endpoint, and the problem it must get. In <see cref="Path"/> and the body,
/// {conversation} stands for a saved conversation, {deleted} for a deleted one, {message} for a saved answer.
/// </summary>
public sealed record MalformedRequest(string Method, string Path, string? ContentType, byte[]? Body, int Status, string Code, (string Name, string Value)? Header = null);

/// <summary>One server for every case: none of them may change anything, so they can share it.</summary>
public sealed class SeededServer : IAsyncLifetime
{
    public ThereseHost Host { get; private set; } = null!;
    public string ConversationId { get; private set; } = "";
    public string MessageId { get; private set; } = "";
    public string DeletedId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Host = await ThereseHost.StartAsync();
        using var http = Host.CreateClient();
        await using (var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(new { text = "Réponse enregistrée.", tps = 0 }) }))
        {
            await stream.ReadToEndAsync();
            ConversationId = stream.ConversationId!;
            MessageId = stream.MessageId!;
        }
        await using (var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(new { text = "Bientôt effacée.", tps = 0 }) }))
        {
            await stream.ReadToEndAsync();
            DeletedId = stream.ConversationId!;
        }
        using var deleted = await http.DeleteAsync($"/api/conversations/{DeletedId}");
        deleted.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Every endpoint tried the way a clumsy user or an attacker would: each case gets a 4xx problem+json
/// with a stable code and a French detail, the provider is never called, the database rows are the
/// same after as before, and the server goes on serving.
/// </summary>
public sealed class MalformedRequestTests(SeededServer server) : IClassFixture<SeededServer>
{
    private const string Json = "application/json";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Bytes of a JSON body around raw bytes that are not valid UTF-8.</summary>
    private static byte[] WithBytes(string before, byte[] raw, string after) => [.. Utf8(before), .. raw, .. Utf8(after)];

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    private static readonly Dictionary<string, MalformedRequest> Cases = new()
    {
        // POST /api/chat/stream: the message
        ["chat: empty content"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":""}"""), 400, "invalid_request"),
        ["chat: whitespace-only content"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"   \n\t \u00a0"}"""), 400, "invalid_request"),
        ["chat: no content at all"] = new("POST", "/api/chat/stream", Json, Utf8("""{"conversation_id":null}"""), 400, "invalid_request"),
        ["chat: 100,001 characters"] = new("POST", "/api/chat/stream", Json, Utf8(JsonSerializer.Serialize(new { content = new string('é', 100_001) })), 413, "content_too_long"),
        ["chat: invalid UTF-8"] = new("POST", "/api/chat/stream", Json, WithBytes("""{"content":"Bonjour """, [0xC3, 0x28, 0xFF], "\"}"), 400, "invalid_json"),
        ["chat: UTF-8 of a lone surrogate"] = new("POST", "/api/chat/stream", Json, WithBytes("""{"content":"a""", [0xED, 0xA0, 0x80], "\"}"), 400, "invalid_json"),
        ["chat: escaped lone high surrogate"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"a\ud800b"}"""), 400, "invalid_json"),
        ["chat: escaped lone low surrogate"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"\udc00"}"""), 400, "invalid_json"),
        ["chat: JSON array"] = new("POST", "/api/chat/stream", Json, Utf8("""["Bonjour"]"""), 400, "invalid_json"),
        ["chat: JSON number"] = new("POST", "/api/chat/stream", Json, Utf8("42"), 400, "invalid_json"),
        ["chat: JSON null"] = new("POST", "/api/chat/stream", Json, Utf8("null"), 400, "invalid_json"),
        ["chat: JSON string"] = new("POST", "/api/chat/stream", Json, Utf8("\"Bonjour\""), 400, "invalid_json"),
        ["chat: truncated JSON"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content": "Bonjour"""), 400, "invalid_json"),
        ["chat: empty body"] = new("POST", "/api/chat/stream", Json, [], 400, "invalid_json"),
        ["chat: unknown field"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","temperature":2}"""), 400, "invalid_json"),
        ["chat: repeated field"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","content":"Au revoir"}"""), 400, "invalid_json"),
        ["chat: content of the wrong type"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":42}"""), 400, "invalid_json"),
        ["chat: conversation_id of the wrong type"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","conversation_id":{"id":1}}"""), 400, "invalid_json"),
        ["chat: action of the wrong type"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","action":["send"]}"""), 400, "invalid_json"),
        ["chat: resumable of the wrong type"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","resumable":"oui"}"""), 400, "invalid_json"),
        ["chat: unknown action"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","action":"effacer"}"""), 400, "invalid_request"),
        ["chat: continue without a conversation"] = new("POST", "/api/chat/stream", Json, Utf8("""{"action":"continue"}"""), 400, "invalid_request"),
        ["chat: deeply nested JSON"] = new("POST", "/api/chat/stream", Json, Utf8($$"""{"content":"Bonjour","conversation_id":{{Nested(10_000)}}}"""), 400, "invalid_json"),
        ["chat: text/plain"] = new("POST", "/api/chat/stream", "text/plain", Utf8("""{"content":"Bonjour"}"""), 415, "unsupported_media_type"),
        ["chat: form content type"] = new("POST", "/api/chat/stream", "application/x-www-form-urlencoded", Utf8("content=Bonjour"), 415, "unsupported_media_type"),
        ["chat: no content type"] = new("POST", "/api/chat/stream", null, Utf8("""{"content":"Bonjour"}"""), 415, "unsupported_media_type"),
        // As curl sends a large body: it waits for "100 Continue", which THÉRÈSE never gives a body over the limit.
        ["chat: body over the size limit (5 MB)"] = new("POST", "/api/chat/stream", Json, Utf8($$"""{"content":"{{new string('a', 5 * 1024 * 1024)}}"}"""), 413, "body_too_large",
            ("Expect", "100-continue")),
        ["chat: id that is not an id"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","conversation_id":"'; DROP TABLE messages; --"}"""), 404, "not_found"),
        ["chat: path traversal as an id"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","conversation_id":"../../../etc/passwd"}"""), 404, "not_found"),
        ["chat: deleted conversation"] = new("POST", "/api/chat/stream", Json, Utf8("""{"content":"Bonjour","conversation_id":"{deleted}"}"""), 404, "not_found"),
        ["chat: regenerate in a deleted conversation"] = new("POST", "/api/chat/stream", Json, Utf8("""{"action":"regenerate","conversation_id":"{deleted}"}"""), 404, "not_found"),
        ["message: empty content"] = new("POST", "/api/chat/message", Json, Utf8("""{"content":""}"""), 400, "invalid_request"),
        ["message: text/plain"] = new("POST", "/api/chat/message", "text/plain", Utf8("Bonjour"), 415, "unsupported_media_type"),
        ["message: deleted conversation"] = new("POST", "/api/chat/message", Json, Utf8("""{"content":"Bonjour","conversation_id":"{deleted}"}"""), 404, "not_found"),

        // Following and stopping an answer
        ["follow: unknown answer"] = new("GET", "/api/chat/stream/0193aaaabbbbccccddddeeeeffff0000", null, null, 404, "not_found"),
        ["follow: after that is not a number"] = new("GET", "/api/chat/stream/{message}?after=abc", null, null, 400, "invalid_request"),
        ["follow: negative after"] = new("GET", "/api/chat/stream/{message}?after=-1", null, null, 400, "invalid_request"),
        ["follow: after beyond a long"] = new("GET", "/api/chat/stream/{message}?after=99999999999999999999999", null, null, 400, "invalid_request"),
        ["follow: Last-Event-ID that is not a number"] = new("GET", "/api/chat/stream/{message}", null, null, 400, "invalid_request", ("Last-Event-ID", "1; DROP")),
        ["stop: unknown answer"] = new("POST", "/api/chat/stream/not-an-id/stop", null, null, 404, "not_found"),

        // Conversations
        ["list: limit 0"] = new("GET", "/api/conversations?limit=0", null, null, 400, "invalid_request"),
        ["list: limit over the page size"] = new("GET", "/api/conversations?limit=201", null, null, 400, "invalid_request"),
        ["list: limit that is not a number"] = new("GET", "/api/conversations?limit=beaucoup", null, null, 400, "invalid_request"),
        ["list: nonsense cursor"] = new("GET", "/api/conversations?cursor=n’importe-quoi", null, null, 400, "invalid_request"),
        ["list: cursor with a negative time"] = new("GET", "/api/conversations?cursor=-5.abc", null, null, 400, "invalid_request"),
        ["list: cursor beyond any date"] = new("GET", "/api/conversations?cursor=99999999999999999999999.abc", null, null, 400, "invalid_request"),
        ["list: cursor without an id"] = new("GET", "/api/conversations?cursor=638000000000000000.", null, null, 400, "invalid_request"),
        ["get: deleted conversation"] = new("GET", "/api/conversations/{deleted}", null, null, 404, "not_found"),
        ["get: id that is not an id"] = new("GET", "/api/conversations/%27%20OR%201%3D1%20--", null, null, 404, "not_found"),
        ["get: path traversal"] = new("GET", "/api/conversations/..%2F..%2F..%2Fetc%2Fpasswd", null, null, 404, "not_found"),
        ["get: nonsense page cursor"] = new("GET", "/api/conversations/{conversation}?before=hier", null, null, 400, "invalid_request"),
        ["get: page cursor 0"] = new("GET", "/api/conversations/{conversation}?before=0", null, null, 400, "invalid_request"),
        ["create: truncated JSON"] = new("POST", "/api/conversations", Json, Utf8("""{"title": """), 400, "invalid_json"),
        ["create: blank title"] = new("POST", "/api/conversations", Json, Utf8("""{"title":"   "}"""), 400, "invalid_request"),
        ["create: unknown field"] = new("POST", "/api/conversations", Json, Utf8("""{"title":"Titre","owner":"admin"}"""), 400, "invalid_json"),
        ["create: text/plain"] = new("POST", "/api/conversations", "text/plain", Utf8("titre"), 415, "unsupported_media_type"),
        ["rename: title of 201 characters"] = new("PATCH", "/api/conversations/{conversation}", Json, Utf8($$"""{"title":"{{new string('x', 201)}}"}"""), 400, "invalid_request"),
        ["rename: title of the wrong type"] = new("PATCH", "/api/conversations/{conversation}", Json, Utf8("""{"title":12}"""), 400, "invalid_json"),
        ["rename: null title"] = new("PATCH", "/api/conversations/{conversation}", Json, Utf8("""{"title":null}"""), 400, "invalid_request"),
        ["rename: deleted conversation"] = new("PATCH", "/api/conversations/{deleted}", Json, Utf8("""{"title":"Revenue"}"""), 404, "not_found"),
        ["delete: deleted conversation"] = new("DELETE", "/api/conversations/{deleted}", null, null, 404, "not_found"),

        // Settings
        ["settings: unknown field"] = new("PUT", "/api/settings", Json, Utf8("""{"temperature":0.2}"""), 400, "invalid_setting"),
        ["settings: JSON array"] = new("PUT", "/api/settings", Json, Utf8("""["anthropic"]"""), 400, "invalid_setting"),
        ["settings: max_tokens of the wrong type"] = new("PUT", "/api/settings", Json, Utf8("""{"max_tokens":"beaucoup"}"""), 400, "invalid_setting"),
        ["settings: invalid UTF-8"] = new("PUT", "/api/settings", Json, WithBytes("""{"model":"x""", [0xFF, 0xFE], "\"}"), 400, "invalid_json"),
        ["settings: lone surrogate"] = new("PUT", "/api/settings", Json, Utf8("""{"system_prompt":"Tu es \udfff"}"""), 400, "invalid_json"),
        ["settings: deeply nested JSON"] = new("PUT", "/api/settings", Json, Utf8($$"""{"model":{{Nested(1_000)}}}"""), 400, "invalid_json"),
        ["settings: repeated field"] = new("PUT", "/api/settings", Json, Utf8("""{"model":"a","model":"b"}"""), 400, "invalid_json"),
        ["settings: javascript: address"] = new("PUT", "/api/settings", Json, Utf8("""{"base_url":"javascript:alert(1)"}"""), 400, "invalid_setting"),
        ["settings: no content type"] = new("PUT", "/api/settings", null, Utf8("""{"model":"x"}"""), 415, "unsupported_media_type"),
        ["settings: key in the query"] = new("GET", "/api/settings/models?api_key=sk-secret", null, null, 400, "invalid_setting"),
        ["settings test: text/plain"] = new("POST", "/api/settings/test", "text/plain", Utf8("anthropic"), 415, "unsupported_media_type"),
        ["settings models: unknown field"] = new("POST", "/api/settings/models", Json, Utf8("""{"provider":"openai","secret":true}"""), 400, "invalid_setting"),

        // Local models and downloads
        ["download: repo with path traversal"] = new("POST", "/api/local-models/downloads", Json, Utf8("""{"repo":"../../etc","file":"x.gguf"}"""), 400, "invalid_repo"),
        ["download: file with path traversal"] = new("POST", "/api/local-models/downloads", Json, Utf8("""{"repo":"org/name","file":"../../.bashrc.gguf"}"""), 400, "invalid_file"),
        ["download: file that is not a model"] = new("POST", "/api/local-models/downloads", Json, Utf8("""{"repo":"org/name","file":"install.sh"}"""), 400, "invalid_file"),
        ["download: unknown field"] = new("POST", "/api/local-models/downloads", Json, Utf8("""{"repo":"org/name","file":"x.gguf","url":"http://evil"}"""), 400, "invalid_json"),
        ["download: repo of the wrong type"] = new("POST", "/api/local-models/downloads", Json, Utf8("""{"repo":["org","name"],"file":"x.gguf"}"""), 400, "invalid_json"),
        ["download: unknown download"] = new("GET", "/api/local-models/downloads/nope", null, null, 404, "not_found"),
        ["download: cancel an unknown download"] = new("DELETE", "/api/local-models/downloads/nope", null, null, 404, "not_found"),
        ["model: delete with path traversal"] = new("DELETE", "/api/local-models/..%2F..%2Ftherese.db", null, null, 400, "invalid_file"),
        ["model: delete a model that is not there"] = new("DELETE", "/api/local-models/absent.gguf", null, null, 404, "not_found"),

        // Anywhere
        ["token: when none is configured"] = new("POST", "/api/auth/token", Json, Utf8("""{"token":"0123456789abcdef"}"""), 404, "not_found"),
        ["any: header line over 16 KB"] = new("GET", "/api/conversations", null, null, 431, "header_too_large", ("X-Padding", new string('x', 16 * 1024 + 1))),
        ["any: unknown API address"] = new("GET", "/api/conversations/{conversation}/messages", null, null, 404, "not_found"),
        ["any: method not allowed"] = new("PUT", "/api/conversations", Json, Utf8("{}"), 404, "not_found"),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Fact]
    public void There_are_at_least_40_cases_and_every_endpoint_is_tried()
    {
        Assert.True(Cases.Count >= 40, $"{Cases.Count} cases");
        foreach (var prefix in new[] { "/api/chat/stream", "/api/chat/message", "/api/conversations", "/api/settings", "/api/local-models", "/api/auth/token" })
            Assert.Contains(Cases.Values, c => c.Path.StartsWith(prefix, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Gets_a_french_problem_and_changes_nothing(string name)
    {
        var c = Cases[name];
        var host = server.Host;
        var before = await DatabaseRows.ReadAsync(host.DataDir);
        Assert.Contains(before, row => row.Contains(server.MessageId, StringComparison.Ordinal));
        var providerCalls = host.Fake.Requests.Count;

        using var http = host.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(c.Method), Fill(c.Path));
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(Fill(c.Body));
            if (c.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
        }
        if (c.Header is ("Expect", _)) request.Headers.ExpectContinue = true;
        else if (c.Header is var (header, value)) request.Headers.TryAddWithoutValidation(header, value);
        using var response = await http.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(c.Status == (int)response.StatusCode, $"{name}: expected {c.Status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(c.Status, problem.GetProperty("status").GetInt32());
        Assert.Equal(c.Code, problem.GetProperty("code").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Matches(@"[éèàêçùô]|\b(le|la|les|de|du|des|est|vous|un|une)\b", detail);
        Assert.DoesNotContain("Exception", detail);

        Assert.Equal(providerCalls, host.Fake.Requests.Count);
        Assert.Equal(before, await DatabaseRows.ReadAsync(host.DataDir));
        using var still = await http.GetAsync($"/api/conversations/{server.ConversationId}");
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    private string Fill(string text) => text
        .Replace("{conversation}", server.ConversationId, StringComparison.Ordinal)
        .Replace("{deleted}", server.DeletedId, StringComparison.Ordinal)
        .Replace("{message}", server.MessageId, StringComparison.Ordinal);

    private byte[] Fill(byte[] body)
    {
        // Only bodies that are valid UTF-8 carry placeholders.
        var text = Encoding.UTF8.GetString(body);
        return text.Contains('{') && Encoding.UTF8.GetBytes(text).AsSpan().SequenceEqual(body) ? Encoding.UTF8.GetBytes(Fill(text)) : body;
    }
}
