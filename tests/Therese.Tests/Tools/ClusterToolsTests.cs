using System.Net;
using System.Net.Http.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Tools;

/// <summary>
/// Two instances on PostgreSQL and Redis: a tool call that waits for the person survives a switch of instance, and is
/// decided through the other one (the instance that writes the answer runs the tool, once).
/// </summary>
[Collection("cluster")]
public sealed class ClusterToolsTests : IAsyncLifetime
{
    private readonly McpDemo _demo = new();
    private ThereseCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ThereseCluster.StartAsync(instances: 2, _demo.Settings().ToDictionary(kv => kv.Key, kv => kv.Value!));

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_waiting_call_shows_on_another_instance_and_is_decided_there()
    {
        var cookies = new CookieContainer();
        using var on0 = _cluster.CreateClient(0, cookies);
        using (var login = await on0.PostAsJsonAsync("/api/auth/login", new { email = ThereseCluster.AdminEmail, password = ThereseCluster.AdminPassword }))
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        for (var i = 0; i < 600 && !(await on0.GetStringAsync("/api/tools")).Contains("\"connected\""); i++) await Task.Delay(100);

        var script = new { tools = new[] { new { name = "demo__envoyer_courriel", arguments = new { destinataire = "a@b.fr", objet = "Conseil", corps = "Ordre du jour." } } },
            text = "C’est envoyé.", tps = 0, ttft_ms = 0 };
        var stream = await ChatStreamReader.OpenAsync(on0, new { content = Directive.Message(script), resumable = true });
        var callId = (await stream.NextOfTypeAsync("tool_approval")).Json.GetProperty("call_id").GetString()!;
        var messageId = stream.MessageId!;
        await stream.DisposeAsync();

        // The page reloads on the other instance: the call still waits there, and is decided there.
        using var on1 = _cluster.CreateClient(1, cookies);
        await using var resumed = await ChatStreamReader.FollowAsync(on1, messageId);
        await resumed.NextOfTypeAsync("tool_approval");
        using (var allow = await on1.PostAsJsonAsync($"/api/chat/stream/{messageId}/tools/{callId}", new { approve = true }))
            Assert.Equal(HttpStatusCode.NoContent, allow.StatusCode);
        Assert.True((await resumed.NextOfTypeAsync("tool_decision")).Json.GetProperty("approved").GetBoolean());
        Assert.True((await resumed.NextOfTypeAsync("tool_result")).Json.GetProperty("ok").GetBoolean());
        await resumed.ReadToEndAsync();
        Assert.Equal("C’est envoyé.", resumed.Text);
        Assert.Single(_demo.OutboxLines);
        using (var again = await on1.PostAsJsonAsync($"/api/chat/stream/{messageId}/tools/{callId}", new { approve = false }))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
