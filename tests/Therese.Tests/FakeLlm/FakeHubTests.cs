using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Therese.FakeLlm;
using Xunit.Abstractions;

namespace Therese.Tests.FakeLlm;

/// <summary>The fake hub answers as Hugging Face does, so the download code can be tested against it.</summary>
public sealed class FakeHubTests(ITestOutputHelper output) : FakeLlmTestBase(output)
{
    private const string Repo = "fake-org/Tiny-GGUF";
    private const string File = "tiny-Q4_K_M.gguf";

    private static byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        new Random(n).NextBytes(bytes);
        return bytes;
    }

    private HttpClient NoRedirects() => new(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(Fake.BaseUrl) };
    private HttpClient Following() => new() { BaseAddress = new Uri(Fake.BaseUrl) };
    private static string ResolvePath(string repo = Repo, string file = File) => $"/{repo}/resolve/main/{file}";

    [Fact]
    public async Task Head_on_resolve_redirects_with_the_linked_size_and_sha256()
    {
        var bytes = RandomBytes(50_000);
        Fake.Hub.Add(Repo, File, bytes);
        using var http = NoRedirects();

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, ResolvePath()));

        Assert.Equal(HttpStatusCode.Found, head.StatusCode);
        Assert.Equal("50000", Assert.Single(head.Headers.GetValues("X-Linked-Size")));
        Assert.Equal($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\"", Assert.Single(head.Headers.GetValues("X-Linked-ETag")));
        Assert.NotNull(head.Headers.ETag);
        var location = head.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);
        Assert.StartsWith(Fake.BaseUrl + FakeHub.CdnPrefix + "/", location.ToString());
        var logged = Assert.Single(Fake.Hub.Requests);
        Assert.Equal(("HEAD", 302, "redirected"), (logged.Method, logged.Status, logged.Outcome));
    }

    [Fact]
    public async Task Get_follows_the_redirect_to_the_whole_file()
    {
        var bytes = RandomBytes(300_000);
        Fake.Hub.Add(Repo, File, bytes);
        using var http = Following();

        using var response = await http.GetAsync(ResolvePath());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("bytes", Assert.Single(response.Headers.AcceptRanges));
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(["redirected", "completed"], Fake.Hub.Requests.Select(r => r.Outcome));
        Assert.Equal(300_000, Fake.Hub.Requests[1].BytesSent);

        var log = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/_fake/hub/log")).RootElement;
        Assert.Equal(300_000, log[1].GetProperty("bytes_sent").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, log[1].GetProperty("range").ValueKind);
    }

    [Fact]
    public async Task Range_serves_the_tail_and_refuses_a_start_past_the_end()
    {
        var bytes = RandomBytes(10_000);
        var file = Fake.Hub.Add(Repo, File, bytes);
        using var http = Following();

        var tail = new HttpRequestMessage(HttpMethod.Get, ResolvePath()) { Headers = { Range = new RangeHeaderValue(4_000, null) } };
        using var partial = await http.SendAsync(tail);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("bytes 4000-9999/10000", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[4_000..], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(4_000, Fake.Hub.Requests[^1].RangeStart);

        var past = new HttpRequestMessage(HttpMethod.Get, ResolvePath()) { Headers = { Range = new RangeHeaderValue(10_000, null) } };
        using var refused = await http.SendAsync(past);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, refused.StatusCode);
        Assert.Equal("bytes */10000", refused.Content.Headers.ContentRange!.ToString());
        Assert.Equal(1, file.Downloads); // the refused range sent nothing
    }

    [Fact]
    public async Task Drop_mode_resets_the_first_downloads_after_the_given_bytes_then_serves_normally()
    {
        var bytes = RandomBytes(200_000);
        Fake.Hub.Add(Repo, File, bytes, new HubFaults { DropAfterBytes = 70_000, DropTimes = 1 });
        using var http = Following();

        using var first = await http.GetAsync(ResolvePath(), HttpCompletionOption.ResponseHeadersRead);
        var received = new MemoryStream();
        await using var body = await first.Content.ReadAsStreamAsync();
        var ex = await Record.ExceptionAsync(() => body.CopyToAsync(received));
        Output.WriteLine($"dropped download: {ex?.GetType().Name}: {ex?.Message}");
        Assert.IsAssignableFrom<IOException>(ex);
        Assert.Equal(70_000, received.Length);
        var dropped = Fake.Hub.Requests[^1];
        Assert.Equal(("dropped", 70_000L), (dropped.Outcome, dropped.BytesSent));

        using var second = await http.GetAsync(ResolvePath());
        Assert.Equal(bytes, await second.Content.ReadAsByteArrayAsync());
        Assert.Equal("completed", Fake.Hub.Requests[^1].Outcome);
    }

    [Fact]
    public async Task Wrong_sha256_mode_advertises_another_digest()
    {
        var bytes = RandomBytes(1_000);
        Fake.Hub.Add(Repo, File, bytes, new HubFaults { WrongSha256 = true });
        using var http = NoRedirects();

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, ResolvePath()));

        var advertised = Assert.Single(head.Headers.GetValues("X-Linked-ETag")).Trim('"');
        Assert.Matches("^[0-9a-f]{64}$", advertised);
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), advertised);
    }

    [Fact]
    public async Task Throttle_mode_paces_the_bytes()
    {
        Fake.Hub.Add(Repo, File, RandomBytes(100_000), new HubFaults { BytesPerSecond = 200_000 });
        using var http = Following();

        var clock = Stopwatch.StartNew();
        var body = await http.GetByteArrayAsync(ResolvePath());

        Output.WriteLine($"100 KB at 200 KB/s took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(100_000, body.Length);
        // Never faster than the pace (500 ms, less 100 ms for the first burst); a busy machine only makes it slower.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), $"100 KB at 200 KB/s came in {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Unknown_files_and_repos_are_refused_as_the_hub_refuses_them()
    {
        Fake.Hub.Add(Repo, File, RandomBytes(10));
        using var http = NoRedirects();

        using var missingFile = await http.GetAsync(ResolvePath(Repo, "other.gguf"));
        Assert.Equal(HttpStatusCode.NotFound, missingFile.StatusCode);
        Assert.Equal("EntryNotFound", Assert.Single(missingFile.Headers.GetValues("X-Error-Code")));
        Assert.Contains("Entry not found", await missingFile.Content.ReadAsStringAsync());

        // Anonymous clients get 401 for a repo that does not exist (or is private), like on huggingface.co.
        using var missingRepo = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, ResolvePath("nobody/nothing", File)));
        Assert.Equal(HttpStatusCode.Unauthorized, missingRepo.StatusCode);
        Assert.Equal("RepoNotFound", Assert.Single(missingRepo.Headers.GetValues("X-Error-Code")));
        Assert.All(Fake.Hub.Requests, r => Assert.Equal("not_found", r.Outcome));
    }

    [Fact]
    public async Task Not_lfs_mode_serves_the_file_without_redirect_or_linked_headers()
    {
        var bytes = RandomBytes(2_000);
        Fake.Hub.Add(Repo, File, bytes, new HubFaults { NotLfs = true });
        using var http = NoRedirects();

        using var response = await http.GetAsync(ResolvePath());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Linked-ETag"));
        Assert.False(response.Headers.Contains("X-Linked-Size"));
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_folder_is_served_as_owner_name_file()
    {
        var folder = Path.Combine(Path.GetTempPath(), "therese-tests", Guid.NewGuid().ToString("N"));
        var bytes = RandomBytes(4_096);
        Directory.CreateDirectory(Path.Combine(folder, "fake-org", "Tiny-GGUF"));
        await System.IO.File.WriteAllBytesAsync(Path.Combine(folder, "fake-org", "Tiny-GGUF", File), bytes);
        try
        {
            await using var fake = await FakeLlmServer.StartAsync(hubFolder: folder);
            using var http = new HttpClient { BaseAddress = new Uri(fake.BaseUrl) };

            Assert.Equal(bytes, await http.GetByteArrayAsync(ResolvePath()));
            using var traversal = await http.GetAsync($"/fake-org/Tiny-GGUF/resolve/main/..%2F..%2F{File}");
            Assert.NotEqual(HttpStatusCode.OK, traversal.StatusCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
