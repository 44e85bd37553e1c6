using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Web;

/// <summary>
/// An API key, set in the page, then every kind of error THÉRÈSE can meet with it, for both protocols:
/// the key appears in no log line, no response (headers or body, streams included) and no file of the data folder.
/// </summary>
public sealed class SecretsTests : ServerTest
{
    private const string Key = "sk-ant-api03-Zq8RtW4mVn2Lx7Kp";
    private const string TypedKey = "sk-proj-typed-Hd93Jf02Kq7Wz";
    private static readonly string[] Fragments = [Key, "Zq8RtW4mVn2Lx7Kp", TypedKey, "Hd93Jf02Kq7Wz"];

    private readonly ConcurrentQueue<string> _responses = new();

    protected override string? Provider => null;
    protected override Dictionary<string, string?> Settings => new() { ["Therese:Llm:IdleTimeoutSeconds"] = "1", ["Therese:Llm:MaxRetries"] = "1" };

    /// <summary>Keeps the status line, the headers and the whole body of every response the tests receive.</summary>
    private sealed class Transcript(ConcurrentQueue<string> responses) : DelegatingHandler(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            await response.Content.LoadIntoBufferAsync(ct);
            responses.Enqueue($"{request.Method} {request.RequestUri!.AbsolutePath} → {(int)response.StatusCode}\n{response.Headers}{response.Content.Headers}\n{await response.Content.ReadAsStringAsync(ct)}");
            return response;
        }
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("openai")]
    public async Task The_key_leaks_nowhere_whatever_fails(string provider)
    {
        using var http = new HttpClient(new Transcript(_responses)) { BaseAddress = new Uri(Host.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        var baseUrl = provider == "openai" ? Host.Fake.BaseUrl + "/v1" : Host.Fake.BaseUrl;
        using (var saved = await http.PutAsync("/api/settings", Json(new { provider, base_url = baseUrl, api_key = Key, model = "fake-model" })))
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

        // Every way an answer can fail, streamed.
        string? conversation = null;
        string? failedAnswer = null;
        foreach (var script in new object[]
        {
            new { status = 400 }, new { status = 401 }, new { status = 403 }, new { status = 404 }, new { status = 429 },
            new { status = 500 }, new { status = 503 }, new { status = 529 },
            new { tokens = 8, error_after = 3 }, new { tokens = 8, drop_after = 3 }, new { tokens = 8, malformed_after = 3 },
            new { tokens = 8, stall_after = 3 }, new { hang = true }, new { tokens = 3 },
        })
        {
            await using var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(script), conversation_id = conversation });
            await stream.ReadToEndAsync();
            conversation ??= stream.ConversationId;
            if (stream.Received[^2].Type == "error") failedAnswer = stream.MessageId;
        }
        // The same in one piece, a failed answer followed again and stopped, and a regenerate that fails.
        (await http.PostAsync("/api/chat/message", Json(new { content = Directive.Message(new { status = 401 }) }))).Dispose();
        (await http.PostAsync("/api/chat/message", Json(new { content = Directive.Message(new { tokens = 8, error_after = 3 }) }))).Dispose();
        (await http.GetAsync($"/api/chat/stream/{failedAnswer}")).Dispose();
        (await http.PostAsync($"/api/chat/stream/{failedAnswer}/stop", null)).Dispose();
        await using (var regenerate = await ChatStreamReader.OpenAsync(http, new { action = "regenerate", conversation_id = conversation }))
            await regenerate.ReadToEndAsync();
        (await http.GetAsync($"/api/conversations/{conversation}")).Dispose();

        // The provider refuses the key: while answering, testing the connection and listing the models.
        Host.Fake.RefuseKey(Key);
        Host.Fake.RefuseKey(TypedKey);
        await using (var refused = await ChatStreamReader.OpenAsync(http, new { content = "Bonjour" }))
            await refused.ReadToEndAsync();
        (await http.PostAsync("/api/settings/test", Json(new { }))).Dispose();
        (await http.PostAsync("/api/settings/test", Json(new { api_key = TypedKey }))).Dispose();
        (await http.PostAsync("/api/settings/models", Json(new { api_key = TypedKey }))).Dispose();
        (await http.GetAsync($"/api/settings/models?provider={provider}&base_url={Uri.EscapeDataString(baseUrl)}")).Dispose();
        (await http.PostAsync("/api/settings/test", Json(new { base_url = "http://127.0.0.1:9", api_key = TypedKey }))).Dispose();
        (await http.PostAsync("/api/settings/models", Json(new { base_url = "http://127.0.0.1:9" }))).Dispose();

        // Bad requests that carry a key.
        (await http.PutAsync("/api/settings", JsonText($$"""{"api_key":"{{TypedKey}}","temperature":1}"""))).Dispose();
        (await http.PutAsync("/api/settings", JsonText($$"""{"api_key":"{{TypedKey}}\u0007"}"""))).Dispose();
        (await http.PutAsync("/api/settings", JsonText($$"""{"api_key":"{{TypedKey}}"""))).Dispose();
        (await http.PutAsync("/api/settings", JsonText($$"""{"api_key":"{{TypedKey}}","api_key":"{{TypedKey}}"}"""))).Dispose();
        (await http.GetAsync($"/api/settings/models?api_key={TypedKey}")).Dispose();
        (await http.PostAsync("/api/chat/stream", JsonText($$"""{"content":"{{TypedKey}}","api_key":"{{TypedKey}}"}"""))).Dispose();
        using (var settings = await http.GetAsync("/api/settings"))
            Assert.Equal(Key[^4..], JsonDocument.Parse(await settings.Content.ReadAsStringAsync()).RootElement.GetProperty("api_key").GetProperty("last4").GetString());

        // A restart, so that whatever THÉRÈSE keeps is on disk.
        await RestartAsync();

        Assert.True(_responses.Count >= 35, $"only {_responses.Count} responses were captured");
        Assert.Contains(Host.Logs.Lines, l => l.Contains("failed (", StringComparison.Ordinal));
        foreach (var fragment in Fragments)
        {
            Assert.DoesNotContain(_responses, r => r.Contains(fragment, StringComparison.Ordinal));
            Assert.DoesNotContain(Host.Logs.Lines, l => l.Contains(fragment, StringComparison.Ordinal));
            foreach (var file in Directory.GetFiles(Host.DataDir, "*", SearchOption.AllDirectories))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(fragment)) < 0, $"{file} holds the key in clear");
                Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(fragment)) < 0, $"{file} holds the key in clear (UTF-16)");
            }
        }
    }
}
