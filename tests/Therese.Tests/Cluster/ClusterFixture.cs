using System.Net;
using System.Net.Http.Json;

namespace Therese.Tests.Cluster;

/// <summary>
/// One cluster for the class: three instances on PostgreSQL and Redis behind nginx. The provider is
/// pinned by configuration but not its key: the admin saves it from one instance, as a team would.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string Key = "cle-enregistree-sur-l-instance-0";

    public ThereseCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await ThereseCluster.StartAsync(instances: 3, new Dictionary<string, string>
        {
            ["Therese:Llm:ApiKey"] = "",
            ["Therese:Llm:MaxTokens"] = "16000",
        });
        var (admin, _) = await SignInAsync(instance: 0);
        using var saved = await admin.PutAsJsonAsync("/api/settings", new { api_key = Key });
        if (saved.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"Saving the key answered {(int)saved.StatusCode}: {await saved.Content.ReadAsStringAsync()}");
        await WaitForKeyEverywhereAsync(Key[^4..], cookies: null);
    }

    /// <summary>Waits until every instance has the key ending in <paramref name="last4"/> in force; returns how long it took.</summary>
    public async Task<TimeSpan> WaitForKeyEverywhereAsync(string last4, CookieContainer? cookies)
    {
        cookies ??= (await SignInAsync()).Cookies;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Cluster.Instances.Length; i++)
        {
            using var http = Cluster.CreateClient(i, cookies);
            while (true)
            {
                var settings = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/settings");
                if (settings.GetProperty("api_key").GetProperty("last4").GetString() == last4) break;
                if (clock.Elapsed > TimeSpan.FromSeconds(15))
                    throw new TimeoutException($"Instance {i} never took the key saved on another one.\n{Cluster.Diagnostics}");
                await Task.Delay(10);
            }
        }
        return clock.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }

    /// <summary>Signs the cluster's admin in; the cookie then works on every instance.</summary>
    public async Task<(HttpClient Http, CookieContainer Cookies)> SignInAsync(int? instance = null)
    {
        var cookies = new CookieContainer();
        var http = Cluster.CreateClient(instance, cookies);
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { email = ThereseCluster.AdminEmail, password = ThereseCluster.AdminPassword });
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"Sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{Cluster.Diagnostics}");
        return (http, cookies);
    }
}
