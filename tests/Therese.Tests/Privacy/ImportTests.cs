using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Therese.Tests.Privacy;

/// <summary>Import: THÉRÈSE's own exports (one conversation, « Mes données ») and ChatGPT's; all or nothing.</summary>
public sealed class ImportTests : PrivacyTest
{
    [Fact]
    public async Task Export_then_import_gives_the_identical_conversation_and_a_second_import_adds_nothing()
    {
        var id = await SeedAsync();
        var before = await SnapshotAsync(id);
        var json = await Http.GetByteArrayAsync($"/api/conversations/{id}/export?format=json");
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await Http.DeleteAsync($"/api/conversations/{id}")).StatusCode);

        var imported = await OkJson(await ImportAsync(json));
        Assert.Equal((1, 0), (imported.GetProperty("imported").GetInt32(), imported.GetProperty("skipped").GetInt32()));
        Assert.Equal(id, imported.GetProperty("conversations")[0].GetString());
        // Parts, versions, statuses, tokens, dates: what the API shows is the same, ids included.
        Assert.Equal(before, await SnapshotAsync(id));
        // Searchable at once.
        var hits = (await Http.GetFromJsonAsync<JsonElement>("/api/search?q=musique")).GetProperty("results");
        Assert.Contains(hits.EnumerateArray(), h => h.GetProperty("conversation_id").GetString() == id);

        var again = await OkJson(await ImportAsync(json));
        Assert.Equal((0, 1), (again.GetProperty("imported").GetInt32(), again.GetProperty("skipped").GetInt32()));
        var list = await Http.GetFromJsonAsync<JsonElement>("/api/conversations");
        Assert.Single(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task My_data_zip_imports_whole_into_another_THERESE_with_dates_titles_and_order()
    {
        var older = await SeedAsync(title: "Ancienne", at: Day);
        var newer = await SeedAsync(title: "Récente", at: Day.AddDays(30));
        var snapshots = new[] { await SnapshotAsync(older), await SnapshotAsync(newer) };
        var zip = await Http.GetByteArrayAsync("/api/me/export");

        await using var other = await ThereseHost.StartAsync();
        using var http = other.CreateClient();
        var imported = await OkJson(await ImportAsync(zip, "mes-donnees.zip", http));
        Assert.Equal(2, imported.GetProperty("imported").GetInt32());
        Assert.Equal(snapshots, new[] { await SnapshotAsync(older, http), await SnapshotAsync(newer, http) });
        var list = (await http.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items");
        Assert.Equal(["Récente", "Ancienne"], list.EnumerateArray().Select(c => c.GetProperty("title").GetString()));

        var again = await OkJson(await ImportAsync(zip, "mes-donnees.zip", http));
        Assert.Equal((0, 2), (again.GetProperty("imported").GetInt32(), again.GetProperty("skipped").GetInt32()));
    }

    /// <summary>
    /// ChatGPT's conversations.json as its export documents it: a tree of mapping nodes. Here the answer was
    /// regenerated (two children of the question) and the conversation went on from the second; a system node,
    /// a tool call and a hidden message are on the branch too.
    /// </summary>
    public static string ChatGptExport(string word = "chrysanthème") => JsonSerializer.Serialize(new object[]
    {
        new
        {
            title = "Jardin de la mairie", create_time = 1717236000.5, update_time = 1717239600.25, conversation_id = "6650a1b2-c3d4-e5f6-0718-293a4b5c6d7e",
            current_node = "n6", id = "6650a1b2-c3d4-e5f6-0718-293a4b5c6d7e",
            mapping = new Dictionary<string, object>
            {
                ["root"] = new { id = "root", message = (object?)null, parent = (string?)null, children = new[] { "n0" } },
                ["n0"] = Node("n0", "root", ["n1"], "system", "Tu es ChatGPT.", 0, hidden: true),
                ["n1"] = Node("n1", "n0", ["n2a", "n2b"], "user", "Quelles fleurs planter devant la mairie ?", 1717236010),
                ["n2a"] = Node("n2a", "n1", [], "assistant", "Première réponse, abandonnée.", 1717236020),
                ["n2b"] = Node("n2b", "n1", ["n3"], "assistant", $"Des {word}s et des lavandes.", 1717236030),
                ["n3"] = Node("n3", "n2b", ["n4"], "user", "Et pour l’arrosage ?", 1717239000),
                ["n4"] = Node("n4", "n3", ["n5"], "assistant", "search(\"arrosage\")", 1717239010, recipient: "browser", type: "code"),
                ["n5"] = Node("n5", "n4", ["n6"], "tool", "résultats…", 1717239020),
                ["n6"] = Node("n6", "n5", [], "assistant", "Un goutte-à-goutte suffit.", 1717239030),
            },
        },
        new
        {
            title = "Vide", create_time = 1717236000, update_time = 1717236000, conversation_id = "vide", current_node = "a",
            mapping = new Dictionary<string, object> { ["a"] = new { id = "a", message = (object?)null, parent = (string?)null, children = Array.Empty<string>() } },
        },
    });

    private static object Node(string id, string parent, string[] children, string role, string text, double time, bool hidden = false, string recipient = "all", string type = "text") => new
    {
        id, parent, children,
        message = new
        {
            id, author = new { role, name = (string?)null, metadata = new { } }, create_time = time == 0 ? (double?)null : time,
            content = new { content_type = type, parts = new[] { text } }, status = "finished_successfully", end_turn = true, weight = 1.0,
            metadata = hidden ? new Dictionary<string, object> { ["is_visually_hidden_from_conversation"] = true } : [], recipient,
        },
    };

    [Fact]
    public async Task A_ChatGPT_export_imports_its_current_branch_with_its_dates_searchable_at_once_and_only_once()
    {
        var file = Encoding.UTF8.GetBytes(ChatGptExport());
        var result = await OkJson(await ImportAsync(file, "conversations.json"));
        Assert.Equal((1, 1), (result.GetProperty("imported").GetInt32(), result.GetProperty("skipped").GetInt32()));
        var id = result.GetProperty("conversations")[0].GetString()!;

        var conversation = await GetConversation(id);
        Assert.Equal("Jardin de la mairie", conversation.GetProperty("title").GetString());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1717236000500), conversation.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1717239600250), conversation.GetProperty("updated_at").GetDateTimeOffset());
        var messages = conversation.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString(), m.GetProperty("created_at").GetDateTimeOffset().ToUnixTimeSeconds())).ToList();
        Assert.Equal([
            ("user", "Quelles fleurs planter devant la mairie ?", 1717236010L),
            ("assistant", "Des chrysanthèmes et des lavandes.", 1717236030L),
            ("user", "Et pour l’arrosage ?", 1717239000L),
            ("assistant", "Un goutte-à-goutte suffit.", 1717239030L)], messages);

        var hits = (await Http.GetFromJsonAsync<JsonElement>("/api/search?q=chrysantheme")).GetProperty("results");
        Assert.Equal(id, Assert.Single(hits.EnumerateArray()).GetProperty("conversation_id").GetString());

        // The same file again, and the same file inside ChatGPT's own zip: nothing more.
        var again = await OkJson(await ImportAsync(file, "conversations.json"));
        Assert.Equal((0, 2), (again.GetProperty("imported").GetInt32(), again.GetProperty("skipped").GetInt32()));
        using var zipped = new MemoryStream();
        using (var zip = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = zip.CreateEntry("conversations.json").Open();
            await entry.WriteAsync(file);
        }
        var fromZip = await OkJson(await ImportAsync(zipped.ToArray(), "chatgpt.zip"));
        Assert.Equal(0, fromZip.GetProperty("imported").GetInt32());
        Assert.Single((await Http.GetFromJsonAsync<JsonElement>("/api/conversations")).GetProperty("items").EnumerateArray());
    }

    public static TheoryData<string, string, string> Hostile => new()
    {
        { "not-json.json", "Bonjour, ceci est une lettre.", "invalid_import" },
        { "truncated.json", ChatGptExport()[..^40], "invalid_import" },
        { "array-of-nothing.json", "[1, 2, 3]", "invalid_import" },
        { "deep.json", new string('[', 5000) + new string(']', 5000), "invalid_import" },
        { "bad-role.json", """{"format":"therese.conversation","version":1,"conversation":{"id":"x","title":"t","messages":[{"role":"system","content":"a"}]}}""", "invalid_import" },
        { "bad-type.json", """{"format":"therese.conversation","version":1,"conversation":{"id":"x","title":"t","created_at":"hier","messages":[]}}""", "invalid_import" },
        { "same-place.json", """{"format":"therese.conversation","version":1,"conversation":{"id":"x","title":"t","messages":[{"role":"user","content":"a","position":1},{"role":"user","content":"b","position":1}]}}""", "invalid_import" },
        { "future.json", """{"format":"therese.conversation","version":99,"conversation":{"id":"x","title":"t","messages":[]}}""", "invalid_import" },
        { "cycle.json", """[{"title":"boucle","current_node":"a","mapping":{"a":{"parent":"b","message":null},"b":{"parent":"a","message":null}}},{"title":"mauvais","mapping":42}]""", "invalid_import" },
        { "empty.json", "", "invalid_import" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_malformed_or_hostile_file_gets_a_French_4xx_and_nothing_is_half_imported(string name, string content, string code)
    {
        await SeedAsync();
        var before = await DatabaseRows.ReadAsync(Host.DataDir);
        // A good conversation first in the file: it must not stay when a later one is bad.
        var file = Encoding.UTF8.GetBytes(content);
        Assert.Equal(code, await ProblemCode(await ImportAsync(file, name), 400));
        Assert.Equal(before, await DatabaseRows.ReadAsync(Host.DataDir));
    }

    [Fact]
    public async Task A_zip_bomb_a_zip_of_strangers_and_a_bad_entry_after_good_ones_are_refused_whole()
    {
        await SeedAsync();
        var before = await DatabaseRows.ReadAsync(Host.DataDir);

        // 200 MB of zeros in one entry: over the unpack budget of this server? Not by default (4 GB): a bad entry after a good one.
        var good = await Http.GetByteArrayAsync("/api/me/export");
        using var mixed = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(good)))
        using (var zip = new ZipArchive(mixed, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                await using var to = zip.CreateEntry(entry.FullName).Open();
                await using var from = entry.Open();
                var json = await new StreamReader(from).ReadToEndAsync();
                // The good conversation comes back under a new id (its own is taken here), then a broken one follows.
                await to.WriteAsync(Encoding.UTF8.GetBytes(json.Replace("\"id\": \"", "\"id\": \"z")));
            }
            await using var bad = zip.CreateEntry("conversations/zzz-casse.json").Open();
            await bad.WriteAsync(Encoding.UTF8.GetBytes("""{"format":"therese.conversation","version":1,"conversation":{"title":"t","messages":[{"role":"robot"}]}}"""));
        }
        Assert.Equal("invalid_import", await ProblemCode(await ImportAsync(mixed.ToArray(), "mixte.zip"), 400));

        using var strangers = new MemoryStream();
        using (var zip = new ZipArchive(strangers, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = zip.CreateEntry("../../etc/passwd").Open();
            await entry.WriteAsync("root:x:0:0"u8.ToArray());
        }
        Assert.Equal("invalid_import", await ProblemCode(await ImportAsync(strangers.ToArray(), "autre.zip"), 400));
        Assert.Equal("invalid_import", await ProblemCode(await ImportAsync([(byte)'P', (byte)'K', 3, 4, 0, 0, 1], "casse.zip"), 400));

        using var notMultipart = await Http.PostAsync("/api/import", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal("unsupported_media_type", await ProblemCode(notMultipart, 415));
        using var noFile = new MultipartFormDataContent { { new StringContent("x"), "autre" } };
        Assert.Equal("invalid_request", await ProblemCode(await Http.PostAsync("/api/import", noFile), 400));
        Assert.Equal(before, await DatabaseRows.ReadAsync(Host.DataDir));
    }
}

/// <summary>A server whose import limits are small, to meet them with small files.</summary>
public sealed class ImportLimitTests : PrivacyTest
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Import:MaxFileBytes"] = "20000",
        ["Therese:Import:MaxUnpackedBytes"] = "100000",
    };

    [Fact]
    public async Task A_file_over_the_limit_and_a_zip_that_unpacks_past_the_budget_are_refused()
    {
        var before = await DatabaseRows.ReadAsync(Host.DataDir);
        Assert.Equal("body_too_large", await ProblemCode(await ImportAsync(new byte[30_000], "gros.json"), 413));

        using var bomb = new MemoryStream();
        using (var zip = new ZipArchive(bomb, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = zip.CreateEntry("conversations/bombe.json", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 10; i++) await entry.WriteAsync(zeros);
        }
        Assert.True(bomb.Length < 20_000);
        Assert.Equal("invalid_import", await ProblemCode(await ImportAsync(bomb.ToArray(), "bombe.zip"), 400));
        Assert.Equal(before, await DatabaseRows.ReadAsync(Host.DataDir));
    }
}
