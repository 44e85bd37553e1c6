using System.Net;
using System.Text.Json;
using Therese.Tests.Accounts;

namespace Therese.Tests.Tools;

/// <summary>« Réglages » → « Outils » in personal mode: servers from the configuration are locked; added ones keep their secrets.</summary>
public sealed class ToolServersApiTests : ServerTest
{
    private readonly McpDemo _demo = new();

    protected override Dictionary<string, string?> Settings => _demo.Settings();

    private async Task<JsonElement> Read(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_server_added_in_the_settings_connects_lists_its_tools_and_never_shows_its_secrets()
    {
        var demoDll = Path.Combine(AppContext.BaseDirectory, "Therese.McpDemo.dll");
        using var put = await Http.PutAsync("/api/tools/servers/mairie", Json(new
        {
            command = "dotnet",
            args = new[] { demoDll },
            env = new Dictionary<string, string> { ["MAIRIE_TOKEN"] = "secret-jeton-123456" },
        }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var added = await Read(put);
        Assert.Equal(("settings", false, "stdio"), (added.GetProperty("source").GetString(), added.GetProperty("locked").GetBoolean(), added.GetProperty("transport").GetString()));
        Assert.Equal(["MAIRIE_TOKEN"], added.GetProperty("env_keys").EnumerateArray().Select(k => k.GetString()));

        // « Tester » reconnects and lists the tools: the mail asks first, the date does not.
        using var test = await Http.PostAsync("/api/tools/servers/mairie/test", null);
        var tested = await Read(test);
        Assert.Equal("connected", tested.GetProperty("state").GetString());
        var tools = tested.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.True(tools["envoyer_courriel"].GetProperty("needs_approval").GetBoolean());
        Assert.False(tools["date_du_jour"].GetProperty("needs_approval").GetBoolean());
        Assert.True(tools["date_du_jour"].GetProperty("read_only").GetBoolean());

        // The admin decides the date asks too; null goes back to the annotations.
        using (var ask = await Http.PutAsync("/api/tools/servers/mairie/tools/date_du_jour", Json(new { needs_approval = true })))
        {
            var server = await Read(ask);
            var date = server.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "date_du_jour");
            Assert.Equal((true, true), (date.GetProperty("needs_approval").GetBoolean(), date.GetProperty("approval_override").GetBoolean()));
        }

        // The secret is nowhere: not in the API, not in clear in the database.
        using var list = await Http.GetAsync("/api/tools");
        var all = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret-jeton", all);
        Assert.Contains("\"provider_supports_tools\":true", all);
        foreach (var file in Directory.GetFiles(Host.DataDir, "*.db*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            Assert.DoesNotContain("secret-jeton", await reader.ReadToEndAsync());
        }

        // It survives a restart, then is removed.
        await RestartAsync();
        using (var again = await Http.GetAsync("/api/tools"))
            Assert.Contains("\"mairie\"", await again.Content.ReadAsStringAsync());
        using (var delete = await Http.DeleteAsync("/api/tools/servers/mairie")) Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var gone = await Http.DeleteAsync("/api/tools/servers/mairie")) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var after = await Http.GetAsync("/api/tools"))
            Assert.DoesNotContain("\"mairie\"", await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_configured_server_is_read_only_and_a_bad_shape_is_told_in_french()
    {
        using (var locked = await Http.PutAsync("/api/tools/servers/demo", Json(new { url = "http://127.0.0.1:1/mcp" })))
        {
            Assert.Equal(HttpStatusCode.Conflict, locked.StatusCode);
            Assert.Equal("server_locked", (await Read(locked)).GetProperty("code").GetString());
        }
        using (var delete = await Http.DeleteAsync("/api/tools/servers/demo")) Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        using (var both = await Http.PutAsync("/api/tools/servers/autre", Json(new { command = "dotnet", url = "http://127.0.0.1:1/mcp" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
            AssertFrench((await Read(both)).GetProperty("detail").GetString()!);
        }
        using (var name = await Http.PutAsync("/api/tools/servers/Mauvais%20Nom", Json(new { command = "dotnet" })))
            Assert.Equal(HttpStatusCode.BadRequest, name.StatusCode);
        using (var unknown = await Http.PutAsync("/api/tools/servers/autre", Json(new { commande = "dotnet" })))
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        // A header HTTP would refuse (the transport's error would quote its value), a value that is not text: refused
        // before anything is saved, never a 500.
        foreach (var body in new object[]
        {
            new { url = "http://127.0.0.1:1/mcp", headers = new Dictionary<string, string> { ["Mon Jeton"] = "valeur-secrete" } },
            new { url = "http://127.0.0.1:1/mcp", headers = new Dictionary<string, string> { ["Content-Type"] = "text/plain" } },
            new { url = "http://127.0.0.1:1/mcp", headers = new Dictionary<string, string> { ["X-Key"] = "a\r\nInjected: b" } },
            new { command = "dotnet", env = new Dictionary<string, string?> { ["TOKEN"] = null } },
            new { command = "dotnet", args = new string?[] { null } },
        })
        {
            using var refused = await Http.PutAsync("/api/tools/servers/autre", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var detail = (await Read(refused)).GetProperty("detail").GetString()!;
            AssertFrench(detail);
            Assert.DoesNotContain("valeur-secrete", detail);
        }
        using (var none = await Http.GetAsync("/api/tools")) Assert.DoesNotContain("\"autre\"", await none.Content.ReadAsStringAsync());

        // A server that cannot start says why, in French, and THÉRÈSE goes on.
        using var bad = await Http.PutAsync("/api/tools/servers/absent", Json(new { command = "/nonexistent/mcp-server" }));
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        using var test = await Http.PostAsync("/api/tools/servers/absent/test", null);
        var failed = await Read(test);
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        AssertFrench(failed.GetProperty("reason").GetString()!);
    }
}

/// <summary>Team mode: only the admin changes the tools; a person's tool calls are theirs alone.</summary>
public sealed class TeamToolsTests : TeamServerTest
{
    private readonly McpDemo _demo = new();

    protected override Dictionary<string, string?> Settings => new(base.Settings.Concat(_demo.Settings()));

    [Fact]
    public async Task Members_cannot_change_the_tools_and_nobody_decides_someone_elses_call()
    {
        var admin = await SignInAsync(AdminEmail, AdminPassword);
        var claire = await NewMemberAsync(admin, "claire@mairie-exemple.fr");
        var paul = await NewMemberAsync(admin, "paul@mairie-exemple.fr");

        // Paul sees the servers and their tools, not how they are reached (a command line can carry a secret).
        using (var list = await paul.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            var demo = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("servers")[0];
            Assert.Equal("demo", demo.GetProperty("name").GetString());
            Assert.False(demo.TryGetProperty("command", out _));
            Assert.False(demo.TryGetProperty("args", out _));
            Assert.Empty(demo.GetProperty("env_keys").EnumerateArray());
        }
        using (var adminList = await admin.GetAsync("/api/tools"))
            Assert.Equal("dotnet", JsonDocument.Parse(await adminList.Content.ReadAsStringAsync()).RootElement.GetProperty("servers")[0].GetProperty("command").GetString());
        foreach (var request in new Func<Task<HttpResponseMessage>>[]
        {
            () => paul.PutAsync("/api/tools/servers/mien", Json(new { command = "dotnet" })),
            () => paul.DeleteAsync("/api/tools/servers/demo"),
            () => paul.PostAsync("/api/tools/servers/demo/test", null),
            () => paul.PutAsync("/api/tools/servers/demo/tools/envoyer_courriel", Json(new { needs_approval = false })),
        })
        {
            using var response = await request();
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // The admin's changes are in the audit trail, without secrets.
        using (var put = await admin.PutAsync("/api/tools/servers/annuaire",
            Json(new { url = "http://127.0.0.1:9/mcp", headers = new Dictionary<string, string> { ["Authorization"] = "Bearer jeton-tres-secret" } })))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using (var audit = await admin.GetAsync("/api/audit"))
        {
            var trail = await audit.Content.ReadAsStringAsync();
            Assert.Contains("tool_server.added", trail);
            Assert.DoesNotContain("jeton-tres-secret", trail);
        }

        // Claire's call waits for her: Paul cannot see it nor decide it.
        for (var i = 0; i < 600 && !(await (await claire.GetAsync("/api/tools")).Content.ReadAsStringAsync()).Contains("\"connected\""); i++)
            await Task.Delay(100);
        var script = new { tools = new[] { new { name = "demo__envoyer_courriel", arguments = new { destinataire = "a@b.fr", objet = "O", corps = "C" } } }, text = "Fait.", tps = 0, ttft_ms = 0 };
        await using var stream = await ChatStreamReader.OpenAsync(claire, new { content = Chat.Directive.Message(script), resumable = true });
        var approval = await stream.NextOfTypeAsync("tool_approval");
        var callId = approval.Json.GetProperty("call_id").GetString()!;
        using (var decide = await paul.PostAsync($"/api/chat/stream/{stream.MessageId}/tools/{callId}", Json(new { approve = true })))
            Assert.Equal(HttpStatusCode.NotFound, decide.StatusCode);
        using (var follow = await paul.GetAsync($"/api/chat/stream/{stream.MessageId}")) Assert.Equal(HttpStatusCode.NotFound, follow.StatusCode);
        Assert.Empty(_demo.OutboxLines);
        using (var own = await claire.PostAsync($"/api/chat/stream/{stream.MessageId}/tools/{callId}", Json(new { approve = true })))
            Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        await stream.ReadToEndAsync();
        Assert.Single(_demo.OutboxLines);
    }
}
