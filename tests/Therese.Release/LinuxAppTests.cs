using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Therese.FakeLlm;
using Xunit.Abstractions;

namespace Therese.Release;

/// <summary>
/// The linux-x64 download, extracted and started as a person starts it: no .NET on the machine as far as it can tell,
/// a home of its own, a browser that is a script noting what it was asked to open, the fake provider set by
/// environment variables as an administrator would.
/// </summary>
[Collection(ReleaseCollection.Name)]
public sealed class LinuxAppTests(ReleaseArchives archives, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private FakeLlmServer _fake = null!;
    private readonly string _home = Path.Combine(Path.GetTempPath(), "therese-home-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        _fake = await FakeLlmServer.StartAsync();
        Directory.CreateDirectory(Path.Combine(_home, "bin"));
        // The "browser": xdg-open as the desktop has it, found on PATH; it notes each address it is asked to open.
        var xdgOpen = Path.Combine(_home, "bin", "xdg-open");
        File.WriteAllText(xdgOpen, "#!/bin/sh\necho \"$1\" >> \"$HOME/browser-opened.txt\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(xdgOpen, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string DataFolder => Path.Combine(_home, ".local", "share", "therese");

    private string[] Opened => File.Exists(Path.Combine(_home, "browser-opened.txt")) ? File.ReadAllLines(Path.Combine(_home, "browser-opened.txt")) : [];

    /// <summary>What a desktop session has, plus the provider an administrator pinned; nothing of the test's own environment.</summary>
    private Dictionary<string, string> Environment(bool display, IDictionary<string, string>? more = null)
    {
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _home,
            ["PATH"] = Path.Combine(_home, "bin"),
            ["LANG"] = "fr_FR.UTF-8",
            ["Therese__Llm__Provider"] = "openai",
            ["Therese__Llm__BaseUrl"] = _fake.BaseUrl + "/v1",
            ["Therese__Llm__ApiKey"] = "test-key",
            ["Therese__Llm__Model"] = "fake-model",
            ["Therese__Ollama__Url"] = _fake.BaseUrl,
            ["Therese__Models__HubUrl"] = _fake.BaseUrl,
        };
        if (display) env["DISPLAY"] = ":0";
        foreach (var (k, v) in more ?? new Dictionary<string, string>()) env[k] = v;
        return env;
    }

    [Fact]
    public async Task Extracted_and_started_without_dotnet_it_serves_saves_hands_over_to_itself_and_stops_cleanly()
    {
        var app = archives.ExtractLinux();
        Assert.False(File.Exists(Path.Combine(app, "dotnet")));

        // therese --version
        await using (var version = AppProcess.Start(app, Environment(display: false), "--version"))
        {
            Assert.Equal(0, await version.WaitForExitAsync(Startup));
            Assert.Equal($"THÉRÈSE {archives.Version}", version.Output.Split(" (")[0].Trim());
        }

        // Another program holds the port THÉRÈSE is told to use.
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var taken = ((IPEndPoint)other.LocalEndpoint).Port;
        var urls = $"http://127.0.0.1:{taken}";

        var first = AppProcess.Start(app, Environment(display: true), "--urls", urls);
        await using var _ = first;
        string address;
        try
        {
            address = await first.WaitUntilListeningAsync(Startup);
            output.WriteLine(first.Output);
            await first.WaitForLineAsync($"Le port {taken} est occupé par un autre programme", TimeSpan.FromSeconds(5));
            Assert.NotEqual(urls, address);
            await first.WaitForLineAsync($"Vos conversations sont enregistrées dans le dossier {Regex(DataFolder)}$", TimeSpan.FromSeconds(5));
            await WaitForAsync(() => Opened.Contains(address), "the browser was not opened on " + address);

            // The page, its scripts, and an answer streamed from the provider and saved under this HOME.
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(address) };
            var page = await http.GetStringAsync("/");
            Assert.Contains("<title>THÉRÈSE</title>", page);
            var script = System.Text.RegularExpressions.Regex.Match(page, "src=\"(/assets/[^\"]+\\.js)\"").Groups[1].Value;
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(script)).StatusCode);

            await using (var stream = await ChatStreamReader.OpenAsync(http, new { content = "Bonjour\n::fake {\"tokens\":40,\"tps\":0,\"ttft_ms\":0}" }))
            {
                await stream.ReadToEndAsync();
                Assert.Equal(FakeText.Text(40), stream.Text);
            }
            Assert.Contains(("complete", FakeText.Text(40)), await AnswersAsync());

            // Attached files are read by the app started again as a reader (a single file has no Therese.Server.dll to
            // start), and an image's preview is drawn by Skia's native library shipped beside the executable.
            var csv = await UploadAsync(http, "budget.csv", "text/csv", System.Text.Encoding.UTF8.GetBytes("poste;montant\nfêtes;1250\n"));
            Assert.Equal("document", csv.GetProperty("kind").GetString());
            Assert.True(csv.GetProperty("chars").GetInt32() > 0, csv.ToString());
            var png = await UploadAsync(http, "plan.png", "image/png", Convert.FromBase64String(OnePixelPng));
            Assert.Equal("image", png.GetProperty("kind").GetString());
            using (var preview = await http.GetAsync($"/api/attachments/{png.GetProperty("id").GetString()}/preview"))
            {
                Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
                Assert.Equal("image/png", preview.Content.Headers.ContentType?.MediaType);
            }

            // A second launch finds this one: it opens the browser on it and ends.
            await using (var second = AppProcess.Start(app, Environment(display: true), "--urls", urls))
            {
                Assert.Equal(0, await second.WaitForExitAsync(Startup));
                output.WriteLine(second.Output);
                Assert.Contains($"THÉRÈSE est déjà ouverte à l’adresse {address}", second.Output);
                await WaitForAsync(() => Opened.Count(a => a == address) == 2, "the second launch did not open the browser on the first");
            }

            // Ctrl+C in the middle of an answer: THÉRÈSE stops, and the answer is saved as interrupted.
            var slow = await ChatStreamReader.OpenAsync(http, new { content = "Une longue réponse\n::fake {\"tokens\":2000,\"tps\":20,\"ttft_ms\":0}" });
            while (slow.Deltas.Count() < 5) await slow.NextAsync();
            first.Interrupt();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            var seen = slow.Text;
            await slow.DisposeAsync();
            var interrupted = (await AnswersAsync()).Single(a => a.Status != "complete");
            Assert.Equal("interrupted", interrupted.Status);
            Assert.StartsWith(seen, interrupted.Content);
        }
        finally
        {
            output.WriteLine(first.Output);
        }
        Assert.DoesNotContain("stderr:", first.Output);

        // Launched again (no display this time): it starts on the same data, says it cannot open a browser, and
        // closing its terminal stops it cleanly too.
        var openedBefore = Opened.Length;
        await using var third = AppProcess.Start(app, Environment(display: false), "--urls", urls);
        try
        {
            var again = await third.WaitUntilListeningAsync(Startup);
            await third.WaitForLineAsync("Pas d’écran sur cette session", TimeSpan.FromSeconds(5));
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(again) };
            var conversations = JsonDocument.Parse(await http.GetStringAsync("/api/conversations")).RootElement;
            Assert.Equal(2, conversations.GetProperty("items").GetArrayLength());
            third.HangUp();
            Assert.Equal(0, await third.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            output.WriteLine(third.Output);
        }
        Assert.Equal(openedBefore, Opened.Length);
        other.Stop();
    }

    /// <summary>A 1×1 PNG (red), as a camera or a screenshot tool would write one, only smaller.</summary>
    private const string OnePixelPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

    private static async Task<JsonElement> UploadAsync(HttpClient http, string name, string type, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
        form.Add(file, "file", name);
        using var response = await http.PostAsync("/api/attachments", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The assistant messages in the database under this HOME's data folder.</summary>
    private async Task<List<(string Status, string Content)>> AnswersAsync()
    {
        var path = Path.Combine(DataFolder, "therese.db");
        Assert.True(File.Exists(path), $"no database at {path}");
        await using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await db.OpenAsync();
        await using var select = db.CreateCommand();
        select.CommandText = "SELECT Status, Content FROM messages WHERE Role = 'assistant' ORDER BY CreatedAt";
        await using var reader = await select.ExecuteReaderAsync();
        var answers = new List<(string, string)>();
        while (await reader.ReadAsync()) answers.Add((reader.GetString(0), reader.GetString(1)));
        return answers;
    }

    private static async Task WaitForAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail(failure);
            await Task.Delay(50);
        }
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}
