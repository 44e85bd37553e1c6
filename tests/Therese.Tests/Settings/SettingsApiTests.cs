using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Settings;

/// <summary>A new user's THÉRÈSE: nothing configured, the model chosen through /api/settings.</summary>
public sealed class SettingsApiTests : ServerTest
{
    private const string Key = "sk-ant-api03-secret-key-7e2f9c41";

    protected override string? Provider => null;

    private async Task<JsonElement> GetSettings()
    {
        using var response = await Http.GetAsync("/api/settings");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Key, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, string Text)> Put(object body)
    {
        using var response = await Http.PutAsync("/api/settings", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement, text);
    }

    private object FakeAnthropic(string key = Key) => new { provider = "anthropic", base_url = Host.Fake.BaseUrl, api_key = key, model = "fake-model" };

    [Fact]
    public async Task A_fresh_install_is_not_configured_and_says_so()
    {
        var settings = await GetSettings();
        Assert.False(settings.GetProperty("configured").GetBoolean());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("provider").ValueKind);
        Assert.False(settings.GetProperty("api_key").GetProperty("set").GetBoolean());
        Assert.Empty(settings.GetProperty("locked").EnumerateArray());
        Assert.Equal(4096, settings.GetProperty("max_tokens").GetInt32());
        Assert.Contains("THÉRÈSE", settings.GetProperty("system_prompt").GetString());
        Assert.Equal(settings.GetProperty("system_prompt").GetString(), settings.GetProperty("default_system_prompt").GetString());
    }

    [Fact]
    public async Task Saving_a_provider_makes_the_next_message_use_it_without_a_restart()
    {
        var (status, saved, text) = await Put(FakeAnthropic());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(Key, text);
        Assert.True(saved.GetProperty("configured").GetBoolean());
        Assert.Equal("anthropic", saved.GetProperty("provider").GetString());
        Assert.Equal("fake-model", saved.GetProperty("model").GetString());
        Assert.True(saved.GetProperty("api_key").GetProperty("set").GetBoolean());
        Assert.Equal("9c41", saved.GetProperty("api_key").GetProperty("last4").GetString());

        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Configurée !", tps = 0 }) });
        await stream.ReadToEndAsync();
        Assert.Equal("Configurée !", stream.Text);
        Assert.Equal("fake-model", Host.Fake.Requests.Single().Model);

        // Saved means saved: a restart keeps it.
        await Host.RestartAsync();
        using var http = Host.CreateClient();
        var after = JsonDocument.Parse(await http.GetStringAsync("/api/settings")).RootElement;
        Assert.True(after.GetProperty("configured").GetBoolean());
        Assert.Equal("9c41", after.GetProperty("api_key").GetProperty("last4").GetString());
    }

    [Fact]
    public async Task An_absent_key_is_kept_an_empty_one_clears_it()
    {
        await Put(FakeAnthropic());
        var (_, kept, _) = await Put(new { max_tokens = 1000, system_prompt = "Sois bref." });
        Assert.True(kept.GetProperty("api_key").GetProperty("set").GetBoolean());
        Assert.Equal(1000, kept.GetProperty("max_tokens").GetInt32());
        Assert.Equal("Sois bref.", kept.GetProperty("system_prompt").GetString());

        // The next message uses both.
        await using (var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Oui.", tps = 0 }) }))
            await stream.ReadToEndAsync();
        Assert.Equal(1000, Host.Fake.Requests[^1].MaxTokens);
        Assert.Equal("Sois bref.", Host.Fake.Requests[^1].System);

        // « Rétablir le texte d'origine »: null puts the default back.
        var (_, restored, _) = await Put(new { system_prompt = (string?)null });
        Assert.Equal(restored.GetProperty("default_system_prompt").GetString(), restored.GetProperty("system_prompt").GetString());

        var (_, cleared, _) = await Put(new { api_key = "" });
        Assert.False(cleared.GetProperty("api_key").GetProperty("set").GetBoolean());
        Assert.False(cleared.GetProperty("configured").GetBoolean());
        using var refused = await Http.PostAsync("/api/chat/stream", Json(new { content = "Bonjour" }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
    }

    [Fact]
    public async Task The_key_is_never_on_disk_in_clear_and_the_data_folder_is_private()
    {
        await Put(FakeAnthropic());
        await using (var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { status = 401 }) }))
            await stream.ReadToEndAsync();
        await Host.RestartAsync();

        var files = Directory.GetFiles(Host.DataDir, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("therese.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains($"{Path.DirectorySeparatorChar}keys{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes("secret-key-7e2f")) < 0, $"{file} holds the API key in clear");
            Assert.True(IndexOf(bytes, Encoding.Unicode.GetBytes("secret-key-7e2f")) < 0, $"{file} holds the API key in clear (UTF-16)");
        }
        Assert.DoesNotContain(Host.Logs.Lines, l => l.Contains("secret-key-7e2f", StringComparison.Ordinal));

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Host.DataDir));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Host.DataDir, "therese.db")));
        }
    }

    [Fact]
    public async Task A_provider_switch_applies_to_the_next_message_while_the_running_answer_finishes_on_the_old_one()
    {
        await Put(FakeAnthropic());
        // Six seconds of answer, so that the switch and the whole second answer happen while it runs, even on a loaded machine
        // (at one second, a fresh-clone run beside the benchmark saw it end first).
        await using var first = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { tokens = 300, tps = 50, ttft_ms = 0 }) });
        await first.NextOfTypeAsync("delta");

        var (status, _, _) = await Put(new { provider = "openai", base_url = Host.Fake.BaseUrl + "/v1", api_key = "sk-openai", model = "fake-model-fast" });
        Assert.Equal(HttpStatusCode.OK, status);

        await using (var second = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Nouveau modèle.", tps = 0 }) }))
        {
            await second.ReadToEndAsync();
            Assert.Equal("Nouveau modèle.", second.Text);
        }
        Assert.Equal("running", Host.Fake.Requests[0].Outcome);

        await first.ReadToEndAsync();
        Assert.Equal(Therese.FakeLlm.FakeText.Text(300), first.Text);
        Assert.Equal("done", first.Received[^2].Type);
        Assert.Equal(("anthropic", "fake-model"), (Host.Fake.Requests[0].Protocol, Host.Fake.Requests[0].Model));
        Assert.Equal(("openai", "fake-model-fast"), (Host.Fake.Requests[1].Protocol, Host.Fake.Requests[1].Model));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"provider":"gemini"}""", "fournisseur" },
        { """{"max_tokens":0}""", "max_tokens" },
        { """{"max_tokens":-5}""", "max_tokens" },
        { """{"max_tokens":300000}""", "max_tokens" },
        { """{"max_tokens":"beaucoup"}""", "max_tokens" },
        { """{"base_url":"ftp://example.com/v1"}""", "URL" },
        { """{"base_url":"localhost:11434"}""", "URL" },
        { """{"base_url":"javascript:alert(1)"}""", "URL" },
        { "{\"model\":\"" + new string('m', 201) + "\"}", "modèle" },
        { """{"model":42}""", "model" },
        { """{"temperature":0.2}""", "inconnu" },
        { """["anthropic"]""", "objet" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Invalid_settings_get_a_french_400_and_change_nothing(string body, string mentions)
    {
        await Put(FakeAnthropic());
        var before = (await GetSettings()).GetRawText();

        using var response = await Http.PutAsync("/api/settings", JsonText(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("invalid_setting", problem.GetProperty("code").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        AssertFrench(detail);
        Assert.Contains(mentions, detail);

        Assert.Equal(before, (await GetSettings()).GetRawText());
    }

    [Fact]
    public async Task Test_connection_answers_with_the_first_words_and_saves_nothing()
    {
        using var response = await Http.PostAsync("/api/settings/test", Json(FakeAnthropic()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(result.GetProperty("ok").GetBoolean(), result.GetRawText());
        Assert.StartsWith("Bonjour !", result.GetProperty("sample").GetString());
        Assert.Single(Host.Fake.Requests);

        Assert.False((await GetSettings()).GetProperty("configured").GetBoolean());
    }

    [Theory]
    [InlineData("wrong_key", "auth", "clé")]
    [InlineData("unreachable", "unreachable", "joindre")]
    [InlineData("unknown_model", "unknown_model", "modèle")]
    public async Task Test_connection_explains_what_is_wrong_in_french(string what, string code, string mentions)
    {
        Host.Fake.RefuseKey("sk-refusee");
        object body = what switch
        {
            "wrong_key" => FakeAnthropic("sk-refusee"),
            "unreachable" => new { provider = "openai", base_url = "http://127.0.0.1:9/v1", model = "fake-model" },
            _ => new { provider = "openai", base_url = Host.Fake.BaseUrl + "/v1", model = "unknown-mistral-9000" },
        };
        using var response = await Http.PostAsync("/api/settings/test", Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal(code, result.GetProperty("error").GetProperty("code").GetString());
        var message = result.GetProperty("error").GetProperty("message").GetString()!;
        AssertFrench(message);
        Assert.Contains(mentions, message);
    }

    [Fact]
    public async Task The_models_list_comes_from_the_provider()
    {
        // OpenAI-compatible, given in the query (no key needed, as for Ollama).
        var openAi = await Http.GetFromJsonAsync<JsonElement>($"/api/settings/models?provider=openai&base_url={Uri.EscapeDataString(Host.Fake.BaseUrl + "/v1")}");
        Assert.Equal(["fake-model", "fake-model-fast"], openAi.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        // Anthropic with the saved key.
        await Put(FakeAnthropic());
        var anthropic = await Http.GetFromJsonAsync<JsonElement>("/api/settings/models");
        Assert.Contains(anthropic.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "THÉRÈSE fake model");

        // A refused key: a problem the page can show.
        Host.Fake.RefuseKey("sk-refusee");
        using var refused = await Http.PostAsync("/api/settings/models", Json(new { api_key = "sk-refusee" }));
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("auth", problem.GetProperty("code").GetString());

        // A key never travels in an address.
        using var inQuery = await Http.GetAsync("/api/settings/models?api_key=sk-abc");
        Assert.Equal(HttpStatusCode.BadRequest, inQuery.StatusCode);
    }

    [Fact]
    public async Task A_local_ollama_is_detected_with_its_models()
    {
        var ollama = await Http.GetFromJsonAsync<JsonElement>("/api/settings/ollama");
        Assert.True(ollama.GetProperty("available").GetBoolean());
        Assert.Equal(Host.Fake.BaseUrl + "/v1", ollama.GetProperty("base_url").GetString());
        Assert.Equal(["fake-model", "fake-model-fast"], ollama.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("GET", "/api/settings/nope")]
    [InlineData("GET", "/api/nothing/here")]
    [InlineData("POST", "/api/unknown")]
    [InlineData("DELETE", "/api/settings/x/y")]
    public async Task Unknown_api_addresses_get_a_404_problem_not_the_page(string method, string path)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}

/// <summary>An administrator pinned the model in configuration: the page shows it and cannot change it.</summary>
public sealed class LockedSettingsTests : ServerTest
{
    protected override Dictionary<string, string?> Settings => new() { ["Therese:Llm:MaxTokens"] = "2048" };

    [Fact]
    public async Task Pinned_fields_are_listed_with_their_source_and_cannot_be_changed()
    {
        var settings = await Http.GetFromJsonAsync<JsonElement>("/api/settings");
        Assert.True(settings.GetProperty("configured").GetBoolean());
        Assert.Equal(["provider", "model", "base_url", "api_key", "max_tokens"], settings.GetProperty("locked").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("Therese:Llm:Model", settings.GetProperty("sources").GetProperty("model").GetString());
        Assert.Equal(2048, settings.GetProperty("max_tokens").GetInt32());

        using var refused = await Http.PutAsync("/api/settings", Json(new { model = "un-autre-modele" }));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("setting_locked", problem.GetProperty("code").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);

        // What is not pinned stays the user's.
        using var allowed = await Http.PutAsync("/api/settings", Json(new { system_prompt = "Réponds en alexandrins." }));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Soit.", tps = 0 }) });
        await stream.ReadToEndAsync();
        Assert.Equal("fake-model", Host.Fake.Requests[^1].Model);
        Assert.Equal(2048, Host.Fake.Requests[^1].MaxTokens);
        Assert.Equal("Réponds en alexandrins.", Host.Fake.Requests[^1].System);
    }
}
