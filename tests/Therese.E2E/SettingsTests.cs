using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>A new user chooses the model in the page: onboarding, the settings page, « Tester la connexion ».</summary>
public sealed partial class SettingsTests(UnconfiguredFixture fixture, ITestOutputHelper output)
    : E2ETest<UnconfiguredFixture>(fixture, output), IClassFixture<UnconfiguredFixture>
{
    private ILocator Settings => Page.GetByTestId("settings");

    /// <summary>Every test starts from a THÉRÈSE with no model, whatever the previous one saved.</summary>
    private async Task ResetSettingsAsync()
    {
        using var http = Host.CreateClient();
        using var response = await http.PutAsJsonAsync("/api/settings", new Dictionary<string, object?>
        {
            ["provider"] = null, ["model"] = null, ["base_url"] = null, ["api_key"] = "", ["max_tokens"] = null, ["system_prompt"] = null,
        });
        response.EnsureSuccessStatusCode();
    }

    [Fact]
    public Task First_run_onboarding_offers_a_ready_ollama_and_the_chat_then_answers_through_it() => RunAsync(async () =>
    {
        await ResetSettingsAsync();
        await Page.GotoAsync("/");
        var onboarding = Page.GetByTestId("onboarding");
        await Expect(onboarding).ToBeVisibleAsync();
        await Expect(onboarding).ToContainTextAsync("Choisissons le modèle");
        await Expect(Page.GetByTestId("ollama-ready")).ToHaveTextAsync("Ollama est prêt : 2 modèles disponibles.");
        await Expect(Page.GetByTestId("onboarding-claude")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("onboarding-openai")).ToBeVisibleAsync();
        // No error banner, no chat box to type into before a model is chosen.
        await Expect(Page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await Expect(Input).ToBeHiddenAsync();

        await Page.GetByTestId("onboarding-ollama").ClickAsync();
        await Expect(Page.GetByTestId("model")).ToHaveValueAsync("fake-model");
        await Page.GetByTestId("save-settings").ClickAsync();

        // Configured: the chat opens, and a configured app never shows onboarding again.
        await Expect(onboarding).ToHaveCountAsync(0);
        await Expect(Input).ToBeVisibleAsync();
        await Page.ReloadAsync();
        await Expect(Input).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("onboarding")).ToHaveCountAsync(0);

        await SendAsync(Fake.Message(new { text = "Bonjour depuis Ollama.", tps = 50 }));
        await Expect(LastContent).ToHaveTextAsync("Bonjour depuis Ollama.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        var request = FakeLlm.Requests.Last(r => r.Directive is not null);
        Assert.Equal(("openai", "fake-model"), (request.Protocol, request.Model));
    });

    [Fact]
    public Task The_settings_page_configures_claude_tests_the_connection_and_the_chat_uses_it() => RunAsync(async () =>
    {
        await ResetSettingsAsync();
        await OpenSettingsFromTheSidebarAsync();

        await Page.GetByTestId("provider-anthropic").CheckAsync();
        await Page.GetByTestId("api-key").FillAsync("sk-ant-e2e-cle-0001");
        await Page.GetByTestId("base-url").FillAsync(Host.Fake.BaseUrl);
        // The list comes from the provider's own /v1/models, once the key is known.
        await Expect(Page.Locator("[data-testid=model-options] option[value='fake-model-fast']")).ToHaveCountAsync(1);
        await Page.GetByTestId("model").FillAsync("fake-model-fast");

        await Page.GetByTestId("test-connection").ClickAsync();
        var result = Page.GetByTestId("test-result");
        await Expect(result).ToHaveAttributeAsync("data-ok", "true");
        await Expect(result).ToContainTextAsync("Connexion réussie. Le modèle répond : « Bonjour !");

        await Page.GetByTestId("save-settings").ClickAsync();
        await Expect(Page.GetByTestId("settings-saved")).ToBeVisibleAsync();
        // The key never comes back to the page: only its last four characters.
        await Page.ReloadAsync();
        await Expect(Page.GetByTestId("api-key")).ToHaveValueAsync("");
        await Expect(Page.GetByTestId("api-key")).ToHaveAttributeAsync("placeholder", "Clé enregistrée (se termine par 0001)");
        Assert.DoesNotContain("sk-ant-e2e-cle-0001", await Page.ContentAsync());

        await Page.GetByTestId("back-to-chat").ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/$"));
        await SendAsync(Fake.Message(new { text = "Claude est configuré.", tps = 50 }));
        await Expect(LastContent).ToHaveTextAsync("Claude est configuré.");
        var request = FakeLlm.Requests.Last(r => r.Directive is not null);
        Assert.Equal(("anthropic", "fake-model-fast"), (request.Protocol, request.Model));
    });

    [Fact]
    public Task Test_connection_with_a_wrong_key_says_so_in_french() => RunAsync(async () =>
    {
        await ResetSettingsAsync();
        FakeLlm.RefuseKey("sk-ant-mauvaise-cle");
        await Page.GotoAsync("/settings");
        await Expect(Settings).ToBeVisibleAsync();
        await Page.GetByTestId("provider-anthropic").CheckAsync();
        await Page.GetByTestId("api-key").FillAsync("sk-ant-mauvaise-cle");
        await Page.GetByTestId("base-url").FillAsync(Host.Fake.BaseUrl);
        await Page.GetByTestId("model").FillAsync("fake-model");
        await Page.GetByTestId("test-connection").ClickAsync();

        var result = Page.GetByTestId("test-result");
        await Expect(result).ToHaveAttributeAsync("data-ok", "false");
        await Expect(result).ToHaveTextAsync("La connexion a échoué : Le fournisseur du modèle a refusé la clé d’API. Vérifiez la clé dans les Réglages.");

        // Nothing was saved by the test.
        using var http = Host.CreateClient();
        var saved = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/settings");
        Assert.False(saved.GetProperty("configured").GetBoolean());
    });

    private async Task OpenSettingsFromTheSidebarAsync()
    {
        await Page.GotoAsync("/");
        await Expect(Page.GetByTestId("onboarding")).ToBeVisibleAsync();
        await Page.GetByTestId("open-settings").ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/settings$"));
        await Expect(Settings).ToBeVisibleAsync();
    }
}

/// <summary>An administrator pinned the model in configuration: the page shows it, read-only.</summary>
public sealed class LockedSettingsTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    [Fact]
    public Task Pinned_fields_are_read_only_and_say_where_they_come_from() => RunAsync(async () =>
    {
        await Page.GotoAsync("/settings");
        await Expect(Page.GetByTestId("settings")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("provider-anthropic")).ToBeCheckedAsync();
        await Expect(Page.GetByTestId("provider-anthropic")).ToBeDisabledAsync();
        await Expect(Page.GetByTestId("provider-openai")).ToBeDisabledAsync();
        await Expect(Page.GetByTestId("provider-locked")).ToContainTextAsync("Therese:Llm:Provider");
        await Expect(Page.GetByTestId("model")).ToBeDisabledAsync();
        await Expect(Page.GetByTestId("model")).ToHaveValueAsync("fake-model");
        await Expect(Page.GetByTestId("api-key")).ToBeDisabledAsync();
        await Expect(Page.GetByTestId("base-url")).ToBeDisabledAsync();
        await Expect(Page.GetByText("Fixé par").First).ToBeVisibleAsync();
        // What is not pinned stays editable.
        await Expect(Page.GetByTestId("max-tokens")).ToBeEnabledAsync();
        await Expect(Page.GetByTestId("system-prompt")).ToBeEnabledAsync();
    });
}
