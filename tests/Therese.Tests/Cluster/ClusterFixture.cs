using System.Net;
using System.Net.Http.Json;

namespace Therese.Tests.Cluster;

/// <summary>One cluster for the class: three instances on PostgreSQL and Redis behind nginx.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public ThereseCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ThereseCluster.StartAsync(instances: 3);

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }

    /// <summary>Signs the cluster's admin in through nginx; the cookie then works on every instance.</summary>
    public async Task<(HttpClient Http, System.Net.CookieContainer Cookies)> SignInAsync(int? instance = null)
    {
        var cookies = new System.Net.CookieContainer();
        var http = Cluster.CreateClient(instance, cookies);
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { email = ThereseCluster.AdminEmail, password = ThereseCluster.AdminPassword });
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"Sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{Cluster.Diagnostics}");
        return (http, cookies);
    }
}
