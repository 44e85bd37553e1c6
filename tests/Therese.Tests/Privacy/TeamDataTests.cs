using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Therese.Tests.Accounts;
using Therese.Tests.Chat;

namespace Therese.Tests.Privacy;

/// <summary>Team mode: each person's data is theirs to export and delete; the admin deletes people without reading them; every admin action is in the audit trail.</summary>
public sealed class TeamDataTests : TeamServerTest
{
    private static async Task<string> AskAsync(HttpClient http, string text)
    {
        await using var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(new { text, tps = 0 }, text) });
        await stream.ReadToEndAsync();
        return stream.ConversationId!;
    }

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin) =>
        [.. (await admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=200")).GetProperty("items").EnumerateArray()];

    [Fact]
    public async Task Every_admin_action_is_in_the_audit_trail_with_who_when_what_and_where_and_never_a_message()
    {
        var marker = "Zqxaudit" + Guid.NewGuid().ToString("N")[..10];
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var member = await NewMemberAsync(admin, "agent@mairie-exemple.fr");
        await AskAsync(member, $"Note {marker}");
        var memberId = (await member.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("id").GetString();

        (await admin.PatchAsJsonAsync($"/api/users/{memberId}", new { role = "admin", monthly_token_budget = 5000 })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/api/settings", new { system_prompt = $"Secret {marker}" })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/api/settings/retention", new { retention_days = 90 })).EnsureSuccessStatusCode();
        Directory.CreateDirectory(Path.Combine(Host.DataDir, "models"));
        await File.WriteAllBytesAsync(Path.Combine(Host.DataDir, "models", "ancien.gguf"), [1, 2, 3]);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/local-models/ancien.gguf")).StatusCode);
        using var download = await admin.PostAsJsonAsync("/api/local-models/downloads", new { repo = "essai/modele", file = "absent.gguf" });
        var downloadId = (await download.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var cancel = await admin.DeleteAsync($"/api/local-models/downloads/{downloadId}");
        (await member.GetAsync("/api/me/export")).EnsureSuccessStatusCode();
        using (var csv = await admin.GetAsync("/api/audit/export")) Assert.DoesNotContain(marker, await csv.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/users/{memberId}")).StatusCode);

        var entries = await AuditAsync(admin);
        var actions = entries.Select(e => e.GetProperty("action").GetString()).ToList();
        string[] expected = ["user.created", "user.updated", "settings.changed", "retention.changed", "local_model.deleted",
            "local_model.download_started", "data.exported", "audit.exported", "user.deleted"];
        foreach (var action in expected) Assert.Contains(action, actions);
        if (cancel.StatusCode == HttpStatusCode.OK) Assert.Contains("local_model.download_cancelled", actions);

        var updated = entries.First(e => e.GetProperty("action").GetString() == "user.updated");
        Assert.Equal(AdminEmail, updated.GetProperty("actor_email").GetString());
        Assert.Equal("agent@mairie-exemple.fr", updated.GetProperty("target_label").GetString());
        Assert.Equal("role : admin, budget : 5000", updated.GetProperty("detail").GetString());
        Assert.Equal("127.0.0.1", updated.GetProperty("address").GetString());
        Assert.True(DateTimeOffset.UtcNow - updated.GetProperty("at").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
        Assert.Equal("system_prompt", entries.First(e => e.GetProperty("action").GetString() == "settings.changed").GetProperty("detail").GetString());
        Assert.Equal("agent@mairie-exemple.fr", entries.First(e => e.GetProperty("action").GetString() == "data.exported").GetProperty("actor_email").GetString());
        Assert.DoesNotContain(marker, JsonSerializer.Serialize(entries));

        // Newest first, paged; the CSV has every entry; a member sees none of it.
        var page = await admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=2");
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        var older = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?limit=200&cursor={page.GetProperty("next_cursor").GetString()}");
        Assert.Equal(entries.Count - 2 + 1, older.GetProperty("items").GetArrayLength() + 1);
        using var export = await admin.GetAsync("/api/audit/export");
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("date;personne;action;cible;détail;adresse", lines[0]);
        Assert.Equal(entries.Count + 1 + 1, lines.Length); // the header, every entry, and this export itself
        using var other = await NewMemberAsync(admin, "autre@mairie-exemple.fr");
        Assert.Equal("admin_only", await CodeOf(await other.GetAsync("/api/audit")));
    }

    [Fact]
    public async Task The_admin_deletes_a_person_and_all_their_data_without_ever_reading_it()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var member = await NewMemberAsync(admin, "agent@mairie-exemple.fr");
        var marker = "Zqxagent" + Guid.NewGuid().ToString("N")[..10];
        var conversation = await AskAsync(member, $"Mes notes personnelles {marker}");
        var adminOwn = await AskAsync(admin, "Les notes de l’admin");
        var memberId = (await member.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("id").GetString();

        // The admin cannot read them, even to export them.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/conversations/{conversation}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/conversations/{conversation}/export?format=json")).StatusCode);
        using (var zip = await admin.GetAsync("/api/me/export"))
            Assert.DoesNotContain(conversation, Encoding.Latin1.GetString(await zip.Content.ReadAsByteArrayAsync()));
        var usage = await admin.GetFromJsonAsync<JsonElement>("/api/usage");
        Assert.Contains(usage.GetProperty("people").EnumerateArray(), p => p.GetProperty("user_id").GetString() == memberId && p.GetProperty("answers").GetInt32() == 1);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/users/{memberId}")).StatusCode);
        var rows = await DatabaseRows.ReadAsync(Host.DataDir);
        Assert.DoesNotContain(rows, r => r.Contains(conversation) || r.Contains("Mes notes personnelles") || (r.StartsWith("usage:") && r.Contains(memberId!)));
        Assert.Empty(DataFolder.FilesHolding(Host.DataDir, marker));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/conversations/{adminOwn}")).StatusCode);
    }

    [Fact]
    public async Task A_member_exports_and_deletes_their_own_data_and_only_theirs()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var member = await NewMemberAsync(admin, "agent@mairie-exemple.fr");
        await AskAsync(member, "Note de l’agent");
        var adminOwn = await AskAsync(admin, "Note de l’admin");

        using var zip = await member.GetAsync("/api/me/export");
        using var archive = new System.IO.Compression.ZipArchive(new MemoryStream(await zip.Content.ReadAsByteArrayAsync()));
        var account = JsonDocument.Parse(archive.GetEntry("compte.json")!.Open()).RootElement;
        Assert.Equal(("agent@mairie-exemple.fr", "member"), (account.GetProperty("email").GetString(), account.GetProperty("role").GetString()));
        Assert.Null(archive.GetEntry("reglages.json"));
        Assert.Equal(2, archive.Entries.Count(e => e.FullName.StartsWith("conversations/")));

        using var deleted = await member.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/me/data") { Content = Json(new { confirm = "SUPPRIMER" }) });
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(0, (await member.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/conversations/{adminOwn}")).StatusCode);
        // Still signed in: their data went, not their account.
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/api/auth/me")).StatusCode);
    }
}

/// <summary>Retention (team mode) on an injected clock: the daily job deletes what had no activity for retention_days.</summary>
public sealed class RetentionTests : TeamServerTest
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    protected override Action<IServiceCollection>? Services => s => s.AddSingleton<TimeProvider>(_clock);

    private static string Export(string id, string title, DateTimeOffset at) => JsonSerializer.Serialize(new
    {
        format = "therese.conversation", version = 1,
        conversation = new { id, title, created_at = at, updated_at = at, messages = new[] { new { role = "user", content = title, created_at = at } } },
    });

    private async Task ImportAsync(HttpClient http, string json)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(json)), "file", "c.json" } };
        (await http.PostAsync("/api/import", form)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Off_by_default_then_the_daily_job_deletes_conversations_idle_for_longer_logs_a_count_and_audits_it()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var member = await NewMemberAsync(admin, "agent@mairie-exemple.fr");
        var now = _clock.GetUtcNow();
        await ImportAsync(member, Export("ancienne", "Vieille affaire", now.AddDays(-45)));
        await ImportAsync(admin, Export("admin-ancienne", "Vieille note", now.AddDays(-400)));
        await ImportAsync(member, Export("recente", "Affaire en cours", now.AddDays(-10)));

        Assert.Equal(JsonValueKind.Null, (await admin.GetFromJsonAsync<JsonElement>("/api/settings/retention")).GetProperty("retention_days").ValueKind);
        _clock.Advance(TimeSpan.FromDays(2));
        await Task.Delay(200);
        Assert.Equal(2, (await member.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items").GetArrayLength());

        Assert.Equal("invalid_setting", await CodeOf(await admin.PutAsJsonAsync("/api/settings/retention", new { retention_days = 0 })));
        Assert.Equal("admin_only", await CodeOf(await member.PutAsJsonAsync("/api/settings/retention", new { retention_days = 1 })));
        (await admin.PutAsJsonAsync("/api/settings/retention", new { retention_days = 30 })).EnsureSuccessStatusCode();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Host.Logs.Lines.Any(l => l.Contains("Retention:")) && DateTime.UtcNow < deadline)
        {
            _clock.Advance(Therese.Server.Privacy.Retention.CheckEvery);
            await Task.Delay(50);
        }
        Assert.Contains(Host.Logs.Lines, l => l.Contains("Retention: 2 conversation(s) with no activity for 30 days deleted"));
        var left = (await member.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items");
        Assert.Equal(["Affaire en cours"], left.EnumerateArray().Select(c => c.GetProperty("title").GetString()));
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items").GetArrayLength());
        var run = (await admin.GetFromJsonAsync<JsonElement>("/api/audit")).GetProperty("items").EnumerateArray()
            .First(e => e.GetProperty("action").GetString() == "retention.run");
        Assert.Equal(JsonValueKind.Null, run.GetProperty("actor_id").ValueKind);
        Assert.StartsWith("2 conversation(s)", run.GetProperty("detail").GetString());
    }
}
