using System.Net.Http.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Settings;

/// <summary>
/// The SDKs' own variables work when nothing else is set, and empty configuration values (as
/// appsettings.json ships them) count as unset instead of hiding the fallback.
/// </summary>
public sealed class AnthropicFallbackTests : ServerTest
{
    protected override string? Provider => null;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["ANTHROPIC_API_KEY"] = "sk-ant-from-the-environment",
        ["ANTHROPIC_BASE_URL"] = "{fake}",
        // What a configuration file with blank values says: nothing.
        ["Therese:Llm:Provider"] = "",
        ["Therese:Llm:Model"] = "",
        ["Therese:Llm:BaseUrl"] = " ",
    };

    [Fact]
    public async Task Only_ANTHROPIC_API_KEY_and_BASE_URL_reach_the_provider_with_the_default_model()
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Bonjour.", tps = 0 }) });
        await stream.ReadToEndAsync();
        Assert.Equal("Bonjour.", stream.Text);

        var request = Assert.Single(Host.Fake.Requests);
        Assert.Equal("anthropic", request.Protocol);
        Assert.Equal("claude-sonnet-4-5", request.Model);
    }

    [Fact]
    public async Task The_settings_page_shows_the_environment_values_locked_with_their_source()
    {
        var settings = await Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/settings");
        Assert.True(settings.GetProperty("configured").GetBoolean());
        Assert.Equal("anthropic", settings.GetProperty("provider").GetString());
        Assert.Equal("claude-sonnet-4-5", settings.GetProperty("model").GetString());
        Assert.Equal(["base_url", "api_key"], settings.GetProperty("locked").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("la variable d’environnement ANTHROPIC_API_KEY", settings.GetProperty("sources").GetProperty("api_key").GetString());
        Assert.Equal("la variable d’environnement ANTHROPIC_BASE_URL", settings.GetProperty("sources").GetProperty("base_url").GetString());
    }
}

public sealed class OpenAiFallbackTests : ServerTest
{
    protected override string? Provider => null;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["OPENAI_BASE_URL"] = "{fake}/v1",
        ["Therese:Llm:Model"] = "",
        ["Therese:Llm:BaseUrl"] = "",
    };

    [Fact]
    public async Task Only_OPENAI_BASE_URL_reaches_that_server_with_the_default_model()
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { text = "Salut.", tps = 0 }) });
        await stream.ReadToEndAsync();
        Assert.Equal("Salut.", stream.Text);

        var request = Assert.Single(Host.Fake.Requests);
        Assert.Equal("openai", request.Protocol);
        Assert.Equal("gpt-4o-mini", request.Model);
    }
}
