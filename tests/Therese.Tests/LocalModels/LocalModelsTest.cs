using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Therese.FakeLlm;

namespace Therese.Tests.LocalModels;

/// <summary>A THÉRÈSE server whose hub is the fake's, with quick retries, and helpers to drive downloads.</summary>
public abstract class LocalModelsTest : ServerTest
{
    protected const string Repo = "fake-org/Tiny-GGUF";
    protected const string File = "tiny-Q4_K_M.gguf";
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    protected override string? Provider => null;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Models:RetryDelayMs"] = "20",
        ["Therese:Models:MaxRetryDelayMs"] = "100",
        ["Therese:Models:MaxAttempts"] = "3",
    };

    protected string ModelsDir => Path.Combine(Host.DataDir, "models");
    protected string ModelPath(string file = File) => Path.Combine(ModelsDir, file);
    protected string PartPath(string file = File) => ModelPath(file) + ".part";
    protected string SidecarPath(string file = File) => ModelPath(file) + ".part.json";

    protected static byte[] RandomBytes(int n, int seed = 7)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>POSTs a download and returns its first view (202).</summary>
    protected async Task<JsonElement> StartAsync(string repo = Repo, string file = File)
    {
        using var response = await Http.PostAsync("/api/local-models/downloads", Json(new { repo, file }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST answered {(int)response.StatusCode}: {body}");
        var view = JsonDocument.Parse(body).RootElement;
        Assert.Equal($"/api/local-models/downloads/{view.GetProperty("id").GetString()}", response.Headers.Location?.ToString());
        return view;
    }

    protected async Task<JsonElement> GetDownloadAsync(string id)
    {
        using var response = await Http.GetAsync($"/api/local-models/downloads/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    /// <summary>Polls the download every 10 ms, as a page would, until <paramref name="until"/> holds; returns every view seen.</summary>
    protected async Task<List<JsonElement>> WatchAsync(string id, Func<JsonElement, bool> until)
    {
        var seen = new List<JsonElement>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var view = await GetDownloadAsync(id);
            seen.Add(view);
            if (until(view)) return seen;
            if (clock.Elapsed > Wait)
                Assert.Fail($"Download {id} never reached the expected state; last seen: {view}\nHub log:\n{string.Join("\n", Host.Fake.Hub.Requests)}");
            await Task.Delay(10);
        }
    }

    protected Task<List<JsonElement>> WatchUntilEndedAsync(string id) =>
        WatchAsync(id, v => State(v) is "done" or "failed" or "cancelled");

    protected static string State(JsonElement view) => view.GetProperty("state").GetString()!;
    protected static long Bytes(JsonElement view) => view.GetProperty("bytes").GetInt64();

    protected static (string Code, string Message) Error(JsonElement view)
    {
        var error = view.GetProperty("error");
        return (error.GetProperty("code").GetString()!, error.GetProperty("message").GetString()!);
    }

    /// <summary>The hub's downloads of the bytes (GETs on the CDN path), oldest first.</summary>
    protected IReadOnlyList<HubRequest> CdnGets() =>
        Host.Fake.Hub.Requests.Where(r => r.Method == "GET" && r.Path.StartsWith(FakeHub.CdnPrefix, StringComparison.Ordinal)).ToList();

    protected async Task<JsonElement> OverviewAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync("/api/local-models")).RootElement;

    protected static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        AssertFrench(problem.GetProperty("detail").GetString()!);
        return problem;
    }
}
