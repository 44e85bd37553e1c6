using System.Net;
using Therese.FakeLlm;

namespace Therese.Tests.LocalModels;

public sealed class DownloadTests : LocalModelsTest
{
    private static readonly string[] Order = ["queued", "downloading", "verifying", "done"];

    [Fact]
    public async Task A_download_shows_its_progress_and_installs_the_exact_bytes()
    {
        var bytes = RandomBytes(1_500_000);
        Host.Fake.Hub.Add(Repo, File, bytes, new HubFaults { BytesPerSecond = 1_000_000 });

        var first = await StartAsync();
        var id = first.GetProperty("id").GetString()!;
        Assert.Equal((Repo, File), (first.GetProperty("repo").GetString(), first.GetProperty("file").GetString()));
        var seen = await WatchUntilEndedAsync(id);

        var states = seen.Select(State).ToList();
        Assert.Equal("done", states[^1]);
        // The states only move forward, and the page could watch the bytes come in.
        Assert.Equal(states.OrderBy(s => Array.IndexOf(Order, s)), states);
        Assert.Contains(seen, v => State(v) == "downloading" && Bytes(v) is > 0 and < 1_500_000 && v.GetProperty("total").GetInt64() == 1_500_000);
        var progress = seen.Where(v => State(v) == "downloading").Select(Bytes).ToList();
        Assert.Equal(progress.Order(), progress);
        // A speed is shown while downloading (how it is computed: ModelDownloadTests, on a fake clock).
        var speeds = seen.Select(v => v.GetProperty("bytes_per_second")).Where(s => s.ValueKind == System.Text.Json.JsonValueKind.Number).Select(s => s.GetInt64()).ToList();
        Assert.NotEmpty(speeds);
        Assert.All(speeds, s => Assert.True(s > 0, $"{s} bytes/s shown"));
        Assert.Equal(1_500_000, Bytes(seen[^1]));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, seen[^1].GetProperty("error").ValueKind);

        Assert.Equal(bytes, await System.IO.File.ReadAllBytesAsync(ModelPath()));
        Assert.False(System.IO.File.Exists(PartPath()));
        Assert.False(System.IO.File.Exists(SidecarPath()));
        var installed = Assert.Single((await OverviewAsync()).GetProperty("installed").EnumerateArray());
        Assert.Equal((File, 1_500_000L), (installed.GetProperty("file").GetString(), installed.GetProperty("size").GetInt64()));
    }

    [Fact]
    public async Task A_dropped_connection_resumes_with_range_from_where_it_stopped()
    {
        var bytes = RandomBytes(600_000);
        Host.Fake.Hub.Add(Repo, File, bytes, new HubFaults { DropAfterBytes = 200_000, DropTimes = 2 });

        var id = (await StartAsync()).GetProperty("id").GetString()!;
        var end = (await WatchUntilEndedAsync(id))[^1];

        Assert.Equal("done", State(end));
        Assert.Equal(bytes, await System.IO.File.ReadAllBytesAsync(ModelPath()));
        var gets = CdnGets();
        Assert.Equal(
            [(null, "dropped", 200_000L), (200_000L, "dropped", 200_000L), (400_000L, "completed", 200_000L)],
            gets.Select(r => (r.RangeStart, r.Outcome, r.BytesSent)));
        Assert.Equal("bytes=200000-", gets[1].Range);
        // Each retry asks the hub again for the file's address and digest.
        Assert.Equal(3, Host.Fake.Hub.Requests.Count(r => r.Method == "HEAD"));
    }

    [Fact]
    public async Task A_wrong_checksum_fails_and_leaves_no_file()
    {
        Host.Fake.Hub.Add(Repo, File, RandomBytes(300_000), new HubFaults { WrongSha256 = true });

        var id = (await StartAsync()).GetProperty("id").GetString()!;
        var end = (await WatchUntilEndedAsync(id))[^1];

        Assert.Equal("failed", State(end));
        var (code, message) = Error(end);
        Assert.Equal("checksum", code);
        AssertFrench(message);
        Assert.Contains("SHA-256", message);
        Assert.Equal("completed", Assert.Single(CdnGets()).Outcome);
        Assert.Empty(Directory.GetFiles(ModelsDir));
        Assert.Empty((await OverviewAsync()).GetProperty("installed").EnumerateArray());
    }

    [Fact]
    public async Task Cancel_stops_the_transfer_and_removes_the_part()
    {
        Host.Fake.Hub.Add(Repo, File, RandomBytes(2_000_000), new HubFaults { BytesPerSecond = 250_000 });
        var id = (await StartAsync()).GetProperty("id").GetString()!;
        await WatchAsync(id, v => Bytes(v) > 100_000);
        Assert.True(System.IO.File.Exists(PartPath()));

        using var cancel = await Http.DeleteAsync($"/api/local-models/downloads/{id}");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var view = System.Text.Json.JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("cancelled", State(view));
        Assert.Equal("cancelled", State(await GetDownloadAsync(id)));
        Assert.False(System.IO.File.Exists(PartPath()));
        Assert.False(System.IO.File.Exists(SidecarPath()));
        Assert.False(System.IO.File.Exists(ModelPath()));

        // The hub saw the client leave, and stops being read.
        var get = await Host.Fake.Hub.WaitForRequestAsync(r => r.Path.StartsWith(FakeHub.CdnPrefix) && r.Outcome == "client_disconnected", TimeSpan.FromSeconds(5));
        var sent = get.BytesSent;
        await Task.Delay(500);
        Assert.Equal(sent, get.BytesSent);
        Assert.InRange(sent, 100_000, 2_000_000 - 1);
        Assert.Single(CdnGets());
    }

    [Fact]
    public async Task Asking_again_for_a_running_download_returns_it()
    {
        Host.Fake.Hub.Add(Repo, File, RandomBytes(1_000_000), new HubFaults { BytesPerSecond = 1_000_000 });

        var first = (await StartAsync()).GetProperty("id").GetString()!;
        var second = (await StartAsync()).GetProperty("id").GetString()!;

        Assert.Equal(first, second);
        Assert.Equal("done", State((await WatchUntilEndedAsync(first))[^1]));
        Assert.Single(CdnGets());
        Assert.Single((await OverviewAsync()).GetProperty("downloads").EnumerateArray());
    }

    [Fact]
    public async Task After_a_restart_the_unfinished_download_is_listed_and_resumes_from_its_bytes()
    {
        var bytes = RandomBytes(1_000_000);
        var hubFile = Host.Fake.Hub.Add(Repo, File, bytes, new HubFaults { BytesPerSecond = 400_000 });
        var id = (await StartAsync()).GetProperty("id").GetString()!;
        await WatchAsync(id, v => Bytes(v) > 300_000);

        await RestartAsync();

        var kept = new FileInfo(PartPath()).Length;
        Assert.InRange(kept, 300_000, 999_999);
        var listed = Assert.Single((await OverviewAsync()).GetProperty("downloads").EnumerateArray());
        Assert.Equal(("failed", File, Repo), (State(listed), listed.GetProperty("file").GetString(), listed.GetProperty("repo").GetString()));
        Assert.Equal("interrupted", Error(listed).Code);
        AssertFrench(Error(listed).Message);
        Assert.Equal((kept, 1_000_000L), (Bytes(listed), listed.GetProperty("total").GetInt64()));

        hubFile.Faults = HubFaults.None;
        var resumed = (await StartAsync()).GetProperty("id").GetString()!;
        Assert.Equal("done", State((await WatchUntilEndedAsync(resumed))[^1]));

        Assert.Equal(bytes, await System.IO.File.ReadAllBytesAsync(ModelPath()));
        var last = CdnGets()[^1];
        Assert.Equal(($"bytes={kept}-", "completed", 1_000_000 - kept), (last.Range, last.Outcome, last.BytesSent));
        Assert.False(System.IO.File.Exists(PartPath()));
        Assert.False(System.IO.File.Exists(SidecarPath()));
    }

    [Fact]
    public async Task A_connection_that_keeps_dropping_gives_up_and_keeps_the_bytes_for_later()
    {
        var bytes = RandomBytes(400_000);
        var hubFile = Host.Fake.Hub.Add(Repo, File, bytes, new HubFaults { DropAfterBytes = 150_000, DropTimes = 1 });
        var id = (await StartAsync()).GetProperty("id").GetString()!;
        await Host.Fake.Hub.WaitForRequestAsync(r => r.Outcome == "dropped", Wait);
        // From now on every download is cut before its first byte: no progress, so the retries run out.
        hubFile.Faults = new HubFaults { DropAfterBytes = 0, DropTimes = int.MaxValue };

        var end = (await WatchUntilEndedAsync(id))[^1];

        Assert.Equal("failed", State(end));
        var (code, message) = Error(end);
        Assert.Equal("network", code);
        AssertFrench(message);
        Assert.Equal(150_000, Bytes(end));
        Assert.Equal(1 + 3, CdnGets().Count); // the first drop, then MaxAttempts = 3 attempts without progress
        Assert.Equal(150_000, new FileInfo(PartPath()).Length);

        hubFile.Faults = HubFaults.None;
        var retried = (await StartAsync()).GetProperty("id").GetString()!;
        Assert.Equal("done", State((await WatchUntilEndedAsync(retried))[^1]));
        Assert.Equal(150_000, CdnGets()[^1].RangeStart);
        Assert.Equal(bytes, await System.IO.File.ReadAllBytesAsync(ModelPath()));
    }

    [Fact]
    public async Task A_file_the_hub_gives_no_sha256_for_is_refused_before_any_byte()
    {
        Host.Fake.Hub.Add(Repo, File, RandomBytes(10_000), new HubFaults { NotLfs = true });

        var id = (await StartAsync()).GetProperty("id").GetString()!;
        var end = (await WatchUntilEndedAsync(id))[^1];

        Assert.Equal("failed", State(end));
        Assert.Equal("no_checksum", Error(end).Code);
        AssertFrench(Error(end).Message);
        Assert.All(Host.Fake.Hub.Requests, r => Assert.Equal("HEAD", r.Method));
        Assert.Empty(Directory.GetFiles(ModelsDir));
    }

    [Fact]
    public async Task A_file_missing_on_the_hub_fails_with_not_found()
    {
        Host.Fake.Hub.Add(Repo, File, RandomBytes(10));

        var wrongFile = (await StartAsync(Repo, "absent-Q4_K_M.gguf")).GetProperty("id").GetString()!;
        var wrongRepo = (await StartAsync("nobody/Nothing-GGUF", File)).GetProperty("id").GetString()!;

        foreach (var id in new[] { wrongFile, wrongRepo })
        {
            var end = (await WatchUntilEndedAsync(id))[^1];
            Assert.Equal(("failed", "not_found"), (State(end), Error(end).Code));
            Assert.Contains("introuvable", Error(end).Message);
        }
        Assert.Equal(2, Host.Fake.Hub.Requests.Count); // one HEAD each: no retry for a missing file
    }

    [Fact]
    public async Task A_model_already_installed_is_not_downloaded_again()
    {
        Directory.CreateDirectory(ModelsDir);
        await System.IO.File.WriteAllBytesAsync(ModelPath(), RandomBytes(100));

        using var response = await Http.PostAsync("/api/local-models/downloads", Json(new { repo = Repo, file = File }));

        var problem = await ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal("already_installed", problem.GetProperty("code").GetString());
        Assert.Empty(Host.Fake.Hub.Requests);
    }
}
