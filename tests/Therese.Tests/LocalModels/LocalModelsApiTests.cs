using System.Net;
using System.Text;

namespace Therese.Tests.LocalModels;

public sealed class LocalModelsApiTests : LocalModelsTest
{
    public static TheoryData<string?, string?, string> BadNames => new()
    {
        { Repo, "../x.gguf", "invalid_file" },
        { Repo, "..", "invalid_file" },
        { Repo, "/etc/passwd", "invalid_file" },
        { Repo, "/tmp/x.gguf", "invalid_file" },
        { Repo, "a/b.gguf", "invalid_file" },
        { Repo, "a\\b.gguf", "invalid_file" },
        { Repo, "C:\\x.gguf", "invalid_file" },
        { Repo, "C:x.gguf", "invalid_file" },
        { Repo, "x.bin", "invalid_file" },
        { Repo, "x.gguf.part", "invalid_file" },
        { Repo, ".gguf", "invalid_file" },
        { Repo, ".hidden.gguf", "invalid_file" },
        { Repo, "x..gguf", "invalid_file" },
        { Repo, "x.gguf ", "invalid_file" },
        { Repo, "x\n.gguf", "invalid_file" },
        { Repo, "CON.gguf", "invalid_file" },
        { Repo, "", "invalid_file" },
        { Repo, null, "invalid_file" },
        { Repo, new string('a', 300) + ".gguf", "invalid_file" },
        { "../../x", File, "invalid_repo" },
        { "owner/..", File, "invalid_repo" },
        { "owner/../name", File, "invalid_repo" },
        { "owner", File, "invalid_repo" },
        { "a/b/c", File, "invalid_repo" },
        { "/owner/name", File, "invalid_repo" },
        { "owner/name/", File, "invalid_repo" },
        { "owner/na me", File, "invalid_repo" },
        { "owner/name?x=1", File, "invalid_repo" },
        { "https://evil.example/owner/name", File, "invalid_repo" },
        { "", File, "invalid_repo" },
        { null, File, "invalid_repo" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task Bad_repos_and_file_names_are_refused_before_reaching_the_hub(string? repo, string? file, string code)
    {
        using var response = await Http.PostAsync("/api/local-models/downloads", Json(new { repo, file }));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Empty(Host.Fake.Hub.Requests);
        Assert.Empty((await OverviewAsync()).GetProperty("downloads").EnumerateArray());
    }

    [Theory]
    [InlineData("Qwen2.5-1.5B-Instruct-Q4_K_M.gguf")]
    [InlineData("MODEL.GGUF")]
    [InlineData("Mon modèle (essai).gguf")]
    public async Task Plain_gguf_names_are_accepted(string file)
    {
        Host.Fake.Hub.Add("bartowski/Qwen2.5-1.5B-Instruct-GGUF", file, RandomBytes(1_000));

        var id = (await StartAsync("bartowski/Qwen2.5-1.5B-Instruct-GGUF", file)).GetProperty("id").GetString()!;

        var end = (await WatchUntilEndedAsync(id))[^1];
        Assert.True(State(end) == "done", $"{end}\n{string.Join("\n", Host.Fake.Hub.Requests)}");
        Assert.True(System.IO.File.Exists(ModelPath(file)));
    }

    [Theory]
    [InlineData("x.bin")]
    [InlineData("..%2Fvictim.gguf")]
    [InlineData("..%5Cvictim.gguf")]
    [InlineData("%2E%2E")]
    [InlineData(".gguf")]
    public async Task Deleting_with_a_bad_name_is_refused_and_touches_nothing(string encoded)
    {
        var victim = Path.Combine(Host.DataDir, "victim.gguf");
        await System.IO.File.WriteAllTextAsync(victim, "not yours");

        using var response = await Http.DeleteAsync("/api/local-models/" + encoded);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed,
            $"DELETE {encoded} answered {(int)response.StatusCode}");
        if (response.StatusCode == HttpStatusCode.BadRequest)
            Assert.Equal("invalid_file", (await ProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("code").GetString());
        Assert.True(System.IO.File.Exists(victim));
    }

    [Fact]
    public async Task Installed_models_are_listed_and_can_be_deleted()
    {
        Directory.CreateDirectory(ModelsDir);
        await System.IO.File.WriteAllBytesAsync(ModelPath("b-model.gguf"), RandomBytes(1_234));
        await System.IO.File.WriteAllBytesAsync(ModelPath("A-Model.GGUF"), RandomBytes(10));
        await System.IO.File.WriteAllBytesAsync(ModelPath("c.gguf.part"), RandomBytes(10));
        await System.IO.File.WriteAllTextAsync(ModelPath("notes.txt"), "x");

        var installed = (await OverviewAsync()).GetProperty("installed").EnumerateArray()
            .Select(m => (m.GetProperty("file").GetString(), m.GetProperty("size").GetInt64())).ToList();
        Assert.Equal([("A-Model.GGUF", 10L), ("b-model.gguf", 1_234L)], installed);

        using var deleted = await Http.DeleteAsync("/api/local-models/b-model.gguf");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(System.IO.File.Exists(ModelPath("b-model.gguf")));
        Assert.Equal(["A-Model.GGUF"], (await OverviewAsync()).GetProperty("installed").EnumerateArray().Select(m => m.GetProperty("file").GetString()));

        using var again = await Http.DeleteAsync("/api/local-models/b-model.gguf");
        Assert.Equal("not_found", (await ProblemAsync(again, HttpStatusCode.NotFound)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_deleted_model_can_be_downloaded_again()
    {
        var bytes = RandomBytes(5_000);
        Host.Fake.Hub.Add(Repo, File, bytes);
        var first = (await StartAsync()).GetProperty("id").GetString()!;
        Assert.Equal("done", State((await WatchUntilEndedAsync(first))[^1]));

        using var deleted = await Http.DeleteAsync($"/api/local-models/{File}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty((await OverviewAsync()).GetProperty("downloads").EnumerateArray());

        var second = (await StartAsync()).GetProperty("id").GetString()!;
        Assert.NotEqual(first, second);
        Assert.Equal("done", State((await WatchUntilEndedAsync(second))[^1]));
        Assert.Equal(bytes, await System.IO.File.ReadAllBytesAsync(ModelPath()));
    }

    [Fact]
    public async Task The_catalogue_lists_small_french_capable_models_and_marks_the_installed_one()
    {
        Directory.CreateDirectory(ModelsDir);
        await System.IO.File.WriteAllBytesAsync(ModelPath("Llama-3.2-1B-Instruct-Q4_K_M.gguf"), RandomBytes(10));

        var catalog = (await OverviewAsync()).GetProperty("catalog").EnumerateArray().ToList();

        Assert.Equal(
            ["bartowski/Qwen2.5-1.5B-Instruct-GGUF", "bartowski/Llama-3.2-1B-Instruct-GGUF", "bartowski/Qwen2.5-0.5B-Instruct-GGUF"],
            catalog.Select(m => m.GetProperty("repo").GetString()));
        Assert.Equal("qwen2.5-1.5b-instruct", Assert.Single(catalog, m => m.GetProperty("recommended").GetBoolean()).GetProperty("id").GetString());
        Assert.Equal("Llama-3.2-1B-Instruct-Q4_K_M.gguf", Assert.Single(catalog, m => m.GetProperty("installed").GetBoolean()).GetProperty("file").GetString());
        foreach (var model in catalog)
        {
            Assert.EndsWith(".gguf", model.GetProperty("file").GetString());
            Assert.InRange(model.GetProperty("size").GetInt64(), 300_000_000, 1_200_000_000);
            Assert.InRange(model.GetProperty("ram").GetInt64(), model.GetProperty("size").GetInt64(), 2_000_000_000);
            Assert.False(string.IsNullOrWhiteSpace(model.GetProperty("name").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(model.GetProperty("licence").GetString()));
            AssertFrench(model.GetProperty("description").GetString()!);
        }
    }

    [Fact]
    public async Task Unknown_downloads_answer_404_problems()
    {
        using var get = await Http.GetAsync("/api/local-models/downloads/nope");
        Assert.Equal("not_found", (await ProblemAsync(get, HttpStatusCode.NotFound)).GetProperty("code").GetString());

        using var cancel = await Http.DeleteAsync("/api/local-models/downloads/nope");
        Assert.Equal("not_found", (await ProblemAsync(cancel, HttpStatusCode.NotFound)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_finished_download_cannot_be_cancelled()
    {
        Host.Fake.Hub.Add(Repo, File, RandomBytes(1_000));
        var id = (await StartAsync()).GetProperty("id").GetString()!;
        await WatchUntilEndedAsync(id);

        using var cancel = await Http.DeleteAsync($"/api/local-models/downloads/{id}");

        Assert.Equal("download_finished", (await ProblemAsync(cancel, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.True(System.IO.File.Exists(ModelPath()));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused()
    {
        using var text = await Http.PostAsync("/api/local-models/downloads", new StringContent("repo=x", Encoding.UTF8, "text/plain"));
        Assert.Equal("unsupported_media_type", (await ProblemAsync(text, HttpStatusCode.UnsupportedMediaType)).GetProperty("code").GetString());

        using var broken = await Http.PostAsync("/api/local-models/downloads", JsonText("{\"repo\":"));
        Assert.Equal("invalid_json", (await ProblemAsync(broken, HttpStatusCode.BadRequest)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_same_file_name_from_another_repo_waits_for_the_running_download()
    {
        Host.Fake.Hub.Add(Repo, File, RandomBytes(500_000), new Therese.FakeLlm.HubFaults { BytesPerSecond = 500_000 });
        var id = (await StartAsync()).GetProperty("id").GetString()!;

        using var other = await Http.PostAsync("/api/local-models/downloads", Json(new { repo = "someone-else/Tiny-GGUF", file = File }));

        Assert.Equal("download_conflict", (await ProblemAsync(other, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.Equal("done", State((await WatchUntilEndedAsync(id))[^1]));
    }

    [Fact]
    public async Task The_models_folder_is_private_to_its_owner()
    {
        if (OperatingSystem.IsWindows()) return;

        var mode = System.IO.File.GetUnixFileMode(ModelsDir);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, mode);
    }
}
