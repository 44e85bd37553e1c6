using System.Net;
using System.Net.Sockets;

namespace Therese.Tests.LocalModels;

/// <summary>A hub nobody answers at: the retries run out, and the download says so.</summary>
public sealed class UnreachableHubTests : LocalModelsTest
{
    private static readonly string ClosedUrl = ClosedPortUrl();

    protected override Dictionary<string, string?> Settings => new(base.Settings)
    {
        ["Therese:Models:HubUrl"] = ClosedUrl,
    };

    /// <summary>A loopback port that was free a moment ago and that nothing listens on.</summary>
    private static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    [Fact]
    public async Task An_unreachable_hub_fails_with_network_after_the_retries()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var id = (await StartAsync()).GetProperty("id").GetString()!;
        var end = (await WatchUntilEndedAsync(id))[^1];

        Assert.Equal("failed", State(end));
        var (code, message) = Error(end);
        Assert.Equal("network", code);
        AssertFrench(message);
        // Three attempts (MaxAttempts), with 20 then 40 ms of backoff between them.
        Assert.Equal(2, Host.Logs.Lines.Count(l => l.Contains("retrying in", StringComparison.Ordinal)));
        Assert.True(clock.Elapsed > TimeSpan.FromMilliseconds(60), $"gave up after {clock.ElapsedMilliseconds} ms, before the backoff");
    }
}
