using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Accounts;

/// <summary>A THÉRÈSE for a team, its admin from the configuration, and how a test signs people in.</summary>
public abstract class TeamServerTest : ServerTest
{
    protected const string AdminEmail = "maire@mairie-exemple.fr";
    protected const string AdminPassword = "admin-mot-de-passe-42";

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Mode"] = "team",
        ["Therese:Team:AdminEmail"] = AdminEmail,
        ["Therese:Team:AdminPassword"] = AdminPassword,
        ["Therese:Team:MaxFailedSignIns"] = "3",
    };

    protected async Task<HttpClient> SignInAsync(string email, string password)
    {
        var http = Host.CreateClient(cookies: true);
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return http;
    }

    protected async Task<HttpClient> NewMemberAsync(HttpClient admin, string email, bool mustChange = false, long? budget = null)
    {
        using var created = await admin.PostAsJsonAsync("/api/users",
            new { email, name = email[..email.IndexOf('@')], password = "membre-mot-de-passe", role = "member", must_change_password = mustChange, monthly_token_budget = budget });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await SignInAsync(email, "membre-mot-de-passe");
    }

    protected static async Task<string> CodeOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertFrench(problem.GetProperty("detail").GetString()!);
        return problem.GetProperty("code").GetString()!;
    }
}

/// <summary>A THÉRÈSE for a team: every /api call needs a signed-in person, each one's data is theirs alone.</summary>
public sealed class TeamModeTests : TeamServerTest
{
    [Theory]
    [InlineData("GET", "/api/conversations")]
    [InlineData("GET", "/api/settings")]
    [InlineData("GET", "/api/search?q=budget")]
    [InlineData("GET", "/api/local-models")]
    [InlineData("GET", "/api/users")]
    [InlineData("GET", "/api/usage")]
    [InlineData("GET", "/api/auth/me")]
    [InlineData("POST", "/api/chat/stream")]
    public async Task Nothing_without_a_session_but_a_French_401(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = Json(new { content = "Bonjour" });
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("sign_in_required", await CodeOf(response));
        Assert.Empty(Host.Fake.Requests);
        // The page itself loads, to show the sign-in screen.
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_and_sign_out_with_the_admin_from_the_configuration()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        var me = await admin.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal(("team", AdminEmail, "admin"), (me.GetProperty("mode").GetString(), me.GetProperty("email").GetString(), me.GetProperty("role").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/conversations")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("/api/conversations")).StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_account_and_say_so()
    {
        using var http = Host.CreateClient(cookies: true);
        for (var i = 0; i < 2; i++)
        {
            using var wrong = await http.PostAsJsonAsync("/api/auth/login", new { email = AdminEmail, password = "pas-le-bon-mot" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal("invalid_credentials", await CodeOf(wrong));
        }
        using var third = await http.PostAsJsonAsync("/api/auth/login", new { email = AdminEmail, password = "pas-le-bon-mot" });
        Assert.Equal(HttpStatusCode.Locked, third.StatusCode);
        Assert.Equal("account_locked", await CodeOf(third));
        // Even the right password waits for the end of the lockout.
        using var right = await http.PostAsJsonAsync("/api/auth/login", new { email = AdminEmail, password = AdminPassword });
        Assert.Equal(HttpStatusCode.Locked, right.StatusCode);
        // An unknown address answers like a wrong password: nobody learns who has an account.
        using var unknown = await http.PostAsJsonAsync("/api/auth/login", new { email = "personne@exemple.fr", password = "x" });
        Assert.Equal("invalid_credentials", await CodeOf(unknown));
    }

    [Fact]
    public async Task The_admin_manages_people_and_a_member_cannot()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var member = await NewMemberAsync(admin, "secretaire@mairie-exemple.fr");

        foreach (var (method, path) in new[] { ("GET", "/api/users"), ("POST", "/api/users"), ("GET", "/api/usage"), ("PUT", "/api/settings"), ("POST", "/api/settings/test"), ("DELETE", "/api/local-models/x.gguf") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT") request.Content = Json(new { });
            using var refused = await member.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("admin_only", await CodeOf(refused));
        }
        // Members see which model answers; never the key.
        var settings = await member.GetFromJsonAsync<JsonElement>("/api/settings");
        Assert.Equal("fake-model", settings.GetProperty("model").GetString());

        var people = await admin.GetFromJsonAsync<JsonElement>("/api/users");
        var id = people.EnumerateArray().Single(p => p.GetProperty("email").GetString() == "secretaire@mairie-exemple.fr").GetProperty("id").GetString();

        // A new password from the admin: the member must choose their own before anything else.
        using (var reset = await admin.PatchAsync($"/api/users/{id}", Json(new { password = "provisoire-2026" })))
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.GetAsync("/api/conversations")).StatusCode);
        using var again = await SignInAsync("secretaire@mairie-exemple.fr", "provisoire-2026");
        using var blocked = await again.GetAsync("/api/conversations");
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Equal("password_change_required", await CodeOf(blocked));
        using (var changed = await again.PostAsJsonAsync("/api/auth/password", new { current_password = "provisoire-2026", new_password = "mon-propre-mot-de-passe" }))
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/conversations")).StatusCode);

        // Disabled: signed out at once, and cannot sign in.
        using (var disabled = await admin.PatchAsync($"/api/users/{id}", Json(new { disabled = true })))
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.GetAsync("/api/conversations")).StatusCode);
        using var refusedLogin = await Host.CreateClient(cookies: true).PostAsJsonAsync("/api/auth/login", new { email = "secretaire@mairie-exemple.fr", password = "mon-propre-mot-de-passe" });
        Assert.Equal("account_disabled", await CodeOf(refusedLogin));

        // The admin cannot lock themselves out.
        var myId = (await admin.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("id").GetString();
        using var demote = await admin.PatchAsync($"/api/users/{myId}", Json(new { role = "member" }));
        Assert.Equal("last_admin", await CodeOf(demote));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/users/{id}")).StatusCode);
        Assert.Equal(1, (await admin.GetFromJsonAsync<JsonElement>("/api/users")).GetArrayLength());
    }

    [Fact]
    public async Task Another_member_gets_404_on_every_route_of_someone_elses_data()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var alice = await NewMemberAsync(admin, "alice@asso-exemple.fr");
        using var bob = await NewMemberAsync(admin, "bob@asso-exemple.fr");

        await using var stream = await ChatStreamReader.OpenAsync(alice, new { content = Directive.Message(new { text = "Le budget de la kermesse est prêt.", tps = 0 }, "Kermesse"), resumable = true });
        await stream.ReadToEndAsync();
        var conversation = stream.ConversationId!;
        var message = stream.MessageId!;
        await using var live = await ChatStreamReader.OpenAsync(alice, new { content = Directive.Message(new { tokens = 400, tps = 20 }, "Longue"), resumable = true });
        await live.NextOfTypeAsync("delta");
        var running = live.MessageId!;

        var routes = new (string Method, string Path, object? Body)[]
        {
            ("GET", $"/api/conversations/{conversation}", null),
            ("PATCH", $"/api/conversations/{conversation}", new { title = "Volé" }),
            ("DELETE", $"/api/conversations/{conversation}", null),
            ("GET", $"/api/conversations/{conversation}/messages/{message}/versions", null),
            ("POST", $"/api/conversations/{conversation}/messages/{message}/show", null),
            ("POST", "/api/chat/stream", new { content = "Et moi ?", conversation_id = conversation }),
            ("POST", "/api/chat/stream", new { action = "regenerate", conversation_id = conversation }),
            ("POST", "/api/chat/stream", new { action = "continue", conversation_id = conversation }),
            ("POST", "/api/chat/message", new { content = "Et moi ?", conversation_id = conversation }),
            ("GET", $"/api/chat/stream/{message}", null),
            ("GET", $"/api/chat/stream/{running}", null),
            ("POST", $"/api/chat/stream/{running}/stop", null),
            ("POST", $"/api/chat/stream/{message}/stop", null),
        };
        foreach (var (method, path, body) in routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null) request.Content = Json(body);
            using var response = await bob.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode} to another member");
            Assert.Equal("not_found", await CodeOf(response));
        }
        Assert.Empty((await bob.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items").EnumerateArray());
        Assert.Empty((await bob.GetFromJsonAsync<JsonElement>("/api/search?q=kermesse")).GetProperty("results").EnumerateArray());
        Assert.NotEmpty((await alice.GetFromJsonAsync<JsonElement>("/api/search?q=kermesse")).GetProperty("results").EnumerateArray());

        // Alice's answer was never stopped nor touched by Bob.
        await live.NextOfTypeAsync("delta");
        Assert.StartsWith("Kermesse", (await alice.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversation}")).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/api/chat/stream/{running}/stop", null)).StatusCode);
    }

    [Fact]
    public async Task Usage_is_counted_per_person_exactly_from_each_answers_usage()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var member = await NewMemberAsync(admin, "tresoriere@asso-exemple.fr");
        long input = 0, output = 0;
        string? conversation = null;
        for (var i = 0; i < 3; i++)
        {
            await using var stream = await ChatStreamReader.OpenAsync(member, new { content = Directive.Message(new { tokens = 10 + i, tps = 0 }, $"Question {i}"), conversation_id = conversation });
            var events = await stream.ReadToEndAsync();
            conversation = stream.ConversationId;
            var usage = events[^2].Json.GetProperty("usage");
            input += usage.GetProperty("input_tokens").GetInt64();
            output += usage.GetProperty("output_tokens").GetInt64();
        }
        Assert.Equal(33, output);

        var table = await admin.GetFromJsonAsync<JsonElement>($"/api/usage?month={DateTime.UtcNow:yyyy-MM}");
        var row = table.GetProperty("people").EnumerateArray().Single(p => p.GetProperty("email").GetString() == "tresoriere@asso-exemple.fr");
        Assert.Equal((input, output, 3), (row.GetProperty("input_tokens").GetInt64(), row.GetProperty("output_tokens").GetInt64(), row.GetProperty("answers").GetInt32()));
        var mine = table.GetProperty("people").EnumerateArray().Single(p => p.GetProperty("email").GetString() == AdminEmail);
        Assert.Equal(0, mine.GetProperty("output_tokens").GetInt64());
        using var badMonth = await admin.GetAsync("/api/usage?month=novembre");
        Assert.Equal("invalid_month", await CodeOf(badMonth));
    }

    [Fact]
    public async Task A_spent_monthly_budget_stops_the_next_message_before_the_provider()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var member = await NewMemberAsync(admin, "benevole@asso-exemple.fr", budget: 30);
        await using (var first = await ChatStreamReader.OpenAsync(member, new { content = Directive.Message(new { tokens = 40, tps = 0 }, "Premier") }))
            await first.ReadToEndAsync();
        var calls = Host.Fake.Requests.Count;

        using var refused = await member.PostAsync("/api/chat/stream", Json(new { content = "Encore une question" }));
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Equal("budget_exhausted", await CodeOf(refused));
        Assert.Equal(calls, Host.Fake.Requests.Count);
    }
}

public sealed class TeamRateLimitTests : TeamServerTest
{
    protected override Dictionary<string, string?> Settings => new(base.Settings) { ["Therese:Team:MessagesPerMinute"] = "2" };

    [Fact]
    public async Task Messages_beyond_the_rate_limit_get_429_with_retry_after_per_person()
    {
        using var admin = await SignInAsync(AdminEmail, AdminPassword);
        using var member = await NewMemberAsync(admin, "presse@mairie-exemple.fr");
        for (var i = 0; i < 2; i++)
        {
            await using var ok = await ChatStreamReader.OpenAsync(member, new { content = Directive.Message(new { text = "Oui.", tps = 0 }, $"Q{i}") });
            await ok.ReadToEndAsync();
        }
        using var limited = await member.PostAsync("/api/chat/stream", Json(new { content = "Une de trop" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter is not null);
        Assert.Equal("rate_limited", await CodeOf(limited));
        // Another person has their own allowance.
        await using var other = await ChatStreamReader.OpenAsync(admin, new { content = Directive.Message(new { text = "Oui.", tps = 0 }) });
        await other.ReadToEndAsync();
        Assert.Equal("Oui.", other.Text);
    }
}

public sealed class FirstAdminSetupTests : ServerTest
{
    protected override Dictionary<string, string?> Settings => new() { ["Therese:Mode"] = "team" };

    [Fact]
    public async Task With_nobody_yet_the_first_admin_is_created_once_from_this_machine()
    {
        Assert.True((await Http.GetFromJsonAsync<JsonElement>("/api/auth/setup")).GetProperty("needed").GetBoolean());
        using var http = Host.CreateClient(cookies: true);
        using var weak = await http.PostAsJsonAsync("/api/auth/setup", new { email = "admin@asso.fr", name = "Admin", password = "court" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        using var created = await http.PostAsJsonAsync("/api/auth/setup", new { email = "admin@asso.fr", name = "Camille", password = "un-mot-de-passe-long" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("Camille", (await http.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("name").GetString());

        Assert.False((await Http.GetFromJsonAsync<JsonElement>("/api/auth/setup")).GetProperty("needed").GetBoolean());
        using var twice = await Http.PostAsJsonAsync("/api/auth/setup", new { email = "autre@asso.fr", password = "un-mot-de-passe-long" });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }
}
