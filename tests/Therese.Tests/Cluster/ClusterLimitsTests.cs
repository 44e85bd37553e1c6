using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Therese.Tests.Chat;
using Xunit.Abstractions;

namespace Therese.Tests.Cluster;

/// <summary>Two instances whose limits are small enough to reach: what one person may do counts on both together.</summary>
public sealed class SmallLimitsClusterFixture : IAsyncLifetime
{
    public const int MessagesPerMinute = 6;
    public const int AnswersAtOnce = 2;

    public ThereseCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ThereseCluster.StartAsync(instances: 2, new Dictionary<string, string>
    {
        ["Therese:Team:MessagesPerMinute"] = MessagesPerMinute.ToString(),
        ["Therese:Limits:MaxConcurrentAnswersPerClient"] = AnswersAtOnce.ToString(),
    });

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

[Collection("cluster")]
public sealed class ClusterLimitsTests(SmallLimitsClusterFixture fixture, ITestOutputHelper output) : IClassFixture<SmallLimitsClusterFixture>, IAsyncLifetime
{
    private ThereseCluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        output.WriteLine(Cluster.Diagnostics);
        return Task.CompletedTask;
    }

    /// <summary>A new member, signed in; returns the cookies that work on every instance.</summary>
    private async Task<CookieContainer> NewMemberAsync(string email)
    {
        var adminCookies = new CookieContainer();
        using var admin = Cluster.CreateClient(0, adminCookies);
        (await admin.PostAsJsonAsync("/api/auth/login", new { email = ThereseCluster.AdminEmail, password = ThereseCluster.AdminPassword })).EnsureSuccessStatusCode();
        using var created = await admin.PostAsJsonAsync("/api/users", new { email, password = "membre-mot-de-passe", role = "member", must_change_password = false });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var cookies = new CookieContainer();
        using var member = Cluster.CreateClient(1, cookies);
        (await member.PostAsJsonAsync("/api/auth/login", new { email, password = "membre-mot-de-passe" })).EnsureSuccessStatusCode();
        return cookies;
    }

    private static HttpRequestMessage Send(object script) => new(HttpMethod.Post, "/api/chat/stream")
    {
        Content = new StringContent(JsonSerializer.Serialize(new { content = Directive.Message(script), resumable = true }), Encoding.UTF8, "application/json"),
    };

    private static async Task<string> CodeOf(HttpResponseMessage response)
    {
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var detail = problem.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        Assert.Matches(@"[éèàêçùô]|\b(le|la|les|de|du|des|est|vous)\b", detail);
        return problem.GetProperty("code").GetString()!;
    }

    [Fact]
    public async Task A_person_writing_two_answers_on_two_instances_cannot_start_a_third_on_either()
    {
        var cookies = await NewMemberAsync("deux-a-la-fois@cluster.test");
        using var on0 = Cluster.CreateClient(0, cookies);
        using var on1 = Cluster.CreateClient(1, cookies);
        await using var first = await ChatStreamReader.OpenAsync(on0, new { content = Directive.Message(new { tokens = 3000, tps = 20, ttft_ms = 0 }), resumable = true });
        await using var second = await ChatStreamReader.OpenAsync(on1, new { content = Directive.Message(new { tokens = 3000, tps = 20, ttft_ms = 0 }), resumable = true });
        await first.NextOfTypeAsync("delta");
        await second.NextOfTypeAsync("delta");

        foreach (var http in new[] { on0, on1 })
        {
            using var third = await http.SendAsync(Send(new { text = "Une troisième ?", tps = 500 }));
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.Equal("too_many_streams", await CodeOf(third));
        }

        // Stopping one (through the other instance) gives the place back, on both.
        using (var stop = await on1.PostAsync($"/api/chat/stream/{first.MessageId}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await using var again = await ChatStreamReader.OpenAsync(on1, new { content = Directive.Message(new { text = "Maintenant oui.", tps = 500 }), resumable = true });
        Assert.Equal("done", (await again.ReadToEndAsync()).Last(e => !e.IsDoneMarker).Type);
        using (var stop = await on0.PostAsync($"/api/chat/stream/{second.MessageId}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
    }

    [Fact]
    public async Task The_messages_a_person_may_send_per_minute_count_on_every_instance_together()
    {
        var cookies = await NewMemberAsync("pressee@cluster.test");
        using var on0 = Cluster.CreateClient(0, cookies);
        using var on1 = Cluster.CreateClient(1, cookies);
        for (var i = 0; i < SmallLimitsClusterFixture.MessagesPerMinute; i++)
        {
            await using var stream = await ChatStreamReader.OpenAsync(i % 2 == 0 ? on0 : on1, new { content = Directive.Message(new { text = $"Réponse {i}.", tps = 500 }), resumable = true });
            Assert.Equal("done", (await stream.ReadToEndAsync()).Last(e => !e.IsDoneMarker).Type);
        }
        // Three went through each instance: a limit per instance would let these through.
        foreach (var http in new[] { on0, on1 })
        {
            using var refused = await http.SendAsync(Send(new { text = "Encore une.", tps = 500 }));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("rate_limited", await CodeOf(refused));
            Assert.NotNull(refused.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task When_Redis_goes_away_a_new_message_gets_a_French_503_and_works_again_once_it_is_back()
    {
        var cookies = await NewMemberAsync("patiente@cluster.test");
        using var on0 = Cluster.CreateClient(0, cookies);
        Cluster.Redis.Kill();
        try
        {
            using var refused = await on0.SendAsync(Send(new { text = "Y a-t-il quelqu’un ?", tps = 500 }));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("unavailable", await CodeOf(refused));
            Assert.NotNull(refused.Headers.RetryAfter);
            // What the database holds is still there.
            Assert.Equal(HttpStatusCode.OK, (await on0.GetAsync("/api/conversations")).StatusCode);
        }
        finally
        {
            await Cluster.Redis.RestartAsync();
        }

        // StackExchange.Redis reconnects on its own; the next message is answered.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var stream = await ChatStreamReader.OpenAsync(on0, new { content = Directive.Message(new { text = "Me revoilà.", tps = 500 }), resumable = true });
                await stream.ReadToEndAsync();
                Assert.Equal("Me revoilà.", stream.Text);
                break;
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }
}
