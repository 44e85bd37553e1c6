using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Therese.Bench.Processes;
using Therese.Bench.Report;
using Therese.Server.Conversations;
using Therese.Server.Storage;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

/// <summary>
/// Issue 23's two figures, apart from the main run (<c>dotnet run -c Release --project bench/Therese.Bench -- --data</c>):
/// « Mes données » exports 10,000 conversations with flat memory (the server's resident memory, sampled from /proc
/// every 50 ms while the zip streams, against the same export of 1,000), and an import of 1,000 conversations
/// (ChatGPT's conversations.json, and a « Mes données » zip) takes seconds. The server runs as its own process, in
/// Release, on a SQLite database seeded beforehand (each conversation: 10 messages of about 1,000 characters).
/// Writes bench/results/data.md and data.json (with --quick: 1,000 and 100 conversations, into a temp folder).
/// </summary>
public static class DataRightsScenario
{
    private const int MessagesPerConversation = 10;

    public sealed record ExportRun(int Conversations, long DatabaseBytes, long ZipBytes, double Seconds, long RssBeforeBytes, long RssPeakBytes, long RssEndBytes,
        IReadOnlyList<(long ZipBytes, long RssBytes)> Samples);
    public sealed record ImportRun(string Source, int Conversations, long FileBytes, double Seconds, int Imported);

    public static async Task<int> RunAsync(string root, bool quick)
    {
        var output = quick ? Directory.CreateTempSubdirectory("therese-data-bench").FullName : Path.Combine(root, "bench", "results");
        var (large, small) = quick ? (1_000, 100) : (10_000, 1_000);
        var importCount = quick ? 100 : 1_000;
        var log = (string s) => Console.Error.WriteLine($"[data] {s}");

        var exports = new List<ExportRun>();
        byte[]? zipOfImportSize = null;
        foreach (var count in new[] { small, large })
        {
            var dir = Directory.CreateTempSubdirectory("therese-data-bench-").FullName;
            try
            {
                log($"seeding {count:N0} conversations");
                await SeedAsync(dir, count);
                await using var server = await StartAsync(dir);
                var (run, zip) = await ExportAsync(server, dir, count, keep: count == importCount);
                zipOfImportSize ??= zip;
                exports.Add(run);
                log($"export of {count:N0}: {run.Seconds:F1} s, {run.ZipBytes / 1e6:F1} MB zip, RSS {run.RssBeforeBytes / 1e6:F0} → peak {run.RssPeakBytes / 1e6:F0} MB");
            }
            finally
            {
                TryDelete(dir);
            }
        }
        if (zipOfImportSize is null)
        {
            var dir = Directory.CreateTempSubdirectory("therese-data-bench-").FullName;
            try
            {
                await SeedAsync(dir, importCount);
                await using var server = await StartAsync(dir);
                zipOfImportSize = (await ExportAsync(server, dir, importCount, keep: true)).Zip;
            }
            finally
            {
                TryDelete(dir);
            }
        }

        var imports = new List<ImportRun>();
        foreach (var (source, file, name) in new[]
        {
            ("ChatGPT conversations.json", ChatGptFile(importCount), "conversations.json"),
            ("« Mes données » zip", zipOfImportSize!, "mes-donnees.zip"),
        })
        {
            var dir = Directory.CreateTempSubdirectory("therese-data-bench-").FullName;
            try
            {
                await using var server = await StartAsync(dir);
                var run = await ImportAsync(server, source, file, name);
                imports.Add(run);
                log($"import of {run.Conversations:N0} from {source}: {run.Seconds:F2} s");
            }
            finally
            {
                TryDelete(dir);
            }
        }

        var md = Report(exports, imports, quick);
        await File.WriteAllTextAsync(Path.Combine(output, "data.md"), md);
        await File.WriteAllTextAsync(Path.Combine(output, "data.json"), JsonSerializer.Serialize(new
        {
            machine = $"{Environment.ProcessorCount} cores, .NET {Environment.Version}",
            load_at_start = Machine.LoadAverage(),
            exports = exports.Select(e => new { e.Conversations, e.DatabaseBytes, e.ZipBytes, e.Seconds, e.RssBeforeBytes, e.RssPeakBytes, e.RssEndBytes,
                samples = e.Samples.Select(s => new[] { s.ZipBytes, s.RssBytes }) }),
            imports,
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        Console.WriteLine(md);
        log($"results in {output}");
        return 0;
    }

    private static async Task<ServerProcess> StartAsync(string dir)
    {
        var server = ServerProcess.Start(new Dictionary<string, string> { ["Therese:DataDir"] = dir, ["Therese:Ollama:Url"] = "http://127.0.0.1:9" });
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>Streams the zip, sampling the server's resident memory every 50 ms.</summary>
    private static async Task<(ExportRun Run, byte[]? Zip)> ExportAsync(ServerProcess server, string dir, int count, bool keep)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(10) };
        // Warm: the first request pays the JIT.
        (await http.GetAsync("/api/conversations?limit=1")).EnsureSuccessStatusCode();
        await Task.Delay(500);
        var before = ProcStats.Read(server.ProcessId).RssBytes;
        var samples = new List<(long, long)>();
        long read = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                lock (samples) samples.Add((Interlocked.Read(ref read), ProcStats.Read(server.ProcessId).RssBytes));
                try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync("/api/me/export", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var kept = keep ? new MemoryStream() : null;
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0)
        {
            Interlocked.Add(ref read, n);
            kept?.Write(buffer, 0, n);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var end = ProcStats.Read(server.ProcessId).RssBytes;
        var database = Directory.EnumerateFiles(dir, "therese.db*").Sum(f => new FileInfo(f).Length);
        var run = new ExportRun(count, database, read, seconds, before, samples.Max(s => s.Item2), end, samples);
        return (run, kept?.ToArray());
    }

    private static async Task<ImportRun> ImportAsync(ServerProcess server, string source, byte[] file, string name)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(10) };
        (await http.GetAsync("/api/conversations?limit=1")).EnsureSuccessStatusCode();
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(name.EndsWith(".zip", StringComparison.Ordinal) ? "application/zip" : "application/json");
        form.Add(content, "file", name);
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsync("/api/import", form);
        var seconds = clock.Elapsed.TotalSeconds;
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"import failed: {(int)response.StatusCode} {text}");
        var imported = JsonDocument.Parse(text).RootElement.GetProperty("imported").GetInt32();
        var listed = JsonDocument.Parse(await http.GetStringAsync("/api/search?q=paragraphe&limit=1")).RootElement.GetProperty("results").GetArrayLength();
        if (listed == 0) throw new InvalidOperationException("imported conversations are not searchable");
        return new ImportRun(source, imported, file.Length, seconds, imported);
    }

    /// <summary>A migrated database with these conversations, written straight through EF Core (not part of the figure).</summary>
    private static async Task SeedAsync(string dir, int count)
    {
        DataDirectory.CreateOwnerOnly(dir);
        var options = new DbContextOptionsBuilder<ThereseDb>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "therese.db"), Pooling = false }.ToString()).Options;
        await using (var db = new ThereseDb(options))
        {
            await db.Database.MigrateAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
        var start = new DateTimeOffset(2024, 1, 1, 8, 0, 0, TimeSpan.Zero);
        for (var batch = 0; batch < count; batch += 500)
        {
            await using var db = new ThereseDb(options);
            for (var i = batch; i < Math.Min(count, batch + 500); i++)
            {
                var id = Guid.CreateVersion7().ToString("N");
                var at = start.AddMinutes(i * 7);
                db.Conversations.Add(new Conversation { Id = id, Title = $"Conversation n° {i} : budget, conseil et fêtes", CreatedAt = at, UpdatedAt = at.AddMinutes(9) });
                for (var m = 0; m < MessagesPerConversation; m++)
                {
                    var role = m % 2 == 0 ? Roles.User : Roles.Assistant;
                    db.Messages.Add(new Message
                    {
                        Id = Guid.CreateVersion7().ToString("N"), ConversationId = id, Role = role, Content = Text(i, m), Status = MessageStatus.Complete,
                        CreatedAt = at.AddMinutes(m), Position = m + 1, InputTokens = role == Roles.Assistant ? 500 : null, OutputTokens = role == Roles.Assistant ? 250 : null,
                    });
                }
            }
            await db.SaveChangesAsync();
        }
    }

    private static string Text(int conversation, int message)
    {
        var text = new StringBuilder($"## Point {message + 1} de la conversation {conversation}\n\n");
        while (text.Length < 1000)
            text.Append("Ce paragraphe décrit la préparation de la fête de l’école, le budget de la salle et la buvette. ");
        return text.ToString();
    }

    /// <summary>ChatGPT's conversations.json with these conversations (a mapping tree, one branch of 10 messages each).</summary>
    private static byte[] ChatGptFile(int count)
    {
        var conversations = new List<object>();
        var start = 1704096000.0;
        for (var i = 0; i < count; i++)
        {
            var mapping = new Dictionary<string, object> { ["root"] = new { id = "root", parent = (string?)null, children = new[] { "m0" }, message = (object?)null } };
            for (var m = 0; m < MessagesPerConversation; m++)
            {
                var role = m % 2 == 0 ? "user" : "assistant";
                mapping[$"m{m}"] = new
                {
                    id = $"m{m}", parent = m == 0 ? "root" : $"m{m - 1}", children = m == MessagesPerConversation - 1 ? [] : new[] { $"m{m + 1}" },
                    message = new { id = $"m{m}", author = new { role }, create_time = start + i * 420 + m * 60, content = new { content_type = "text", parts = new[] { Text(i, m) } }, recipient = "all" },
                };
            }
            conversations.Add(new
            {
                title = $"Conversation ChatGPT n° {i}", create_time = start + i * 420, update_time = start + i * 420 + 600,
                conversation_id = $"bench-{i.ToString(CultureInfo.InvariantCulture)}", current_node = $"m{MessagesPerConversation - 1}", mapping,
            });
        }
        return JsonSerializer.SerializeToUtf8Bytes(conversations);
    }

    private static string Report(List<ExportRun> exports, List<ImportRun> imports, bool quick)
    {
        static string Mb(long bytes) => (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " MB";
        var md = new StringBuilder();
        md.AppendLine("# Your data: export and import figures");
        md.AppendLine();
        md.AppendLine($"Measured with `dotnet run -c Release --project bench/Therese.Bench -- --data{(quick ? " --quick" : "")}` on {Environment.ProcessorCount} cores, .NET {Environment.Version}, "
            + $"load average {Machine.LoadAverage()} at the end, {DateTime.UtcNow:yyyy-MM-dd}. The server runs as its own process (Release build of the server beside the "
            + $"benchmark); each conversation has {MessagesPerConversation} messages of about 1,000 characters.");
        md.AppendLine();
        md.AppendLine("« Mes données » (`GET /api/me/export`), the zip read as it streams; the server's resident memory (VmRSS) sampled every 50 ms:");
        md.AppendLine();
        md.AppendLine("| conversations | database | zip | time | resident memory before | peak while streaming | peak − before |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var e in exports)
            md.AppendLine($"| {e.Conversations:N0} | {Mb(e.DatabaseBytes)} | {Mb(e.ZipBytes)} | {e.Seconds:F1} s | {Mb(e.RssBeforeBytes)} | {Mb(e.RssPeakBytes)} | {Mb(e.RssPeakBytes - e.RssBeforeBytes)} |");
        if (exports.Count == 2)
        {
            var large = exports[1];
            var half = large.Samples.Count / 2;
            var first = large.Samples.Take(half).DefaultIfEmpty().Max(s => s.RssBytes);
            var second = large.Samples.Skip(half).DefaultIfEmpty().Max(s => s.RssBytes);
            md.AppendLine();
            md.AppendLine($"Flat: ten times the conversations ({exports[0].Conversations:N0} → {large.Conversations:N0}) moved the peak by "
                + $"{Mb(large.RssPeakBytes - large.RssBeforeBytes - (exports[0].RssPeakBytes - exports[0].RssBeforeBytes))}; in the {large.Conversations:N0} run, "
                + $"the peak of the first half of the stream was {Mb(first)} and of the second half {Mb(second)}.");
        }
        md.AppendLine();
        md.AppendLine("Import (`POST /api/import`, one transaction; the conversations are searchable when it answers):");
        md.AppendLine();
        md.AppendLine("| file | conversations | size | time |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var i in imports) md.AppendLine($"| {i.Source} | {i.Conversations:N0} | {Mb(i.FileBytes)} | {i.Seconds:F2} s |");
        return md.ToString();
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
