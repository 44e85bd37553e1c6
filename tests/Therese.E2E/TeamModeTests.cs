using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>A team THÉRÈSE: the first administrator comes from configuration, the others are added in « Personnes ».</summary>
public sealed class TeamFixture : E2EFixture
{
    public const string AdminEmail = "direction@mairie-exemple.fr";
    public const string AdminPassword = "mot-de-passe-de-la-direction";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Therese:Mode"] = "team",
        ["Therese:Team:AdminEmail"] = AdminEmail,
        ["Therese:Team:AdminPassword"] = AdminPassword,
    };
}

/// <summary>What each person of a team sees: their own sign-in, their own conversations, and for the admin the people and the usage.</summary>
public sealed class TeamModeTests(TeamFixture fixture, ITestOutputHelper output)
    : E2ETest<TeamFixture>(fixture, output), IClassFixture<TeamFixture>
{
    private async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/");
        await page.GetByLabel("Adresse e-mail").FillAsync(email);
        await page.GetByLabel("Mot de passe").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter" }).ClickAsync();
    }

    /// <summary>« Se déconnecter »: the page starts again from nothing, on the sign-in.</summary>
    private async Task SignOutAsync(IPage page)
    {
        await page.RunAndWaitForRequestAsync(() => page.GetByTestId("sign-out").ClickAsync(), request => request.IsNavigationRequest);
        await Expect(page.GetByTestId("sign-in")).ToBeVisibleAsync();
    }

    /// <summary>The admin adds a person with a temporary password, from « Personnes ».</summary>
    private async Task AddPersonAsync(string name, string email, string password)
    {
        await Page.GetByTestId("open-people").ClickAsync();
        var form = Page.GetByTestId("new-person");
        await form.GetByLabel("Nom").FillAsync(name);
        await form.GetByLabel("Adresse e-mail").FillAsync(email);
        await form.GetByLabel("Mot de passe provisoire").FillAsync(password);
        await form.GetByRole(AriaRole.Button, new() { Name = "Ajouter" }).ClickAsync();
        await Expect(Page.GetByTestId("people-notice")).ToHaveTextAsync($"{name} peut maintenant se connecter.");
        await Expect(Page.Locator($"[data-testid=person][data-email='{email}']")).ToContainTextAsync("Mot de passe provisoire");
    }

    [Fact]
    public Task A_new_person_signs_in_chooses_a_password_chats_alone_and_the_admin_sees_the_usage() => RunAsync(async () =>
    {
        // The sign-in comes first, in French; a wrong password says so and keeps nothing.
        await SignInAsync(Page, TeamFixture.AdminEmail, "pas-le-bon-mot-de-passe");
        await Expect(Page.GetByTestId("sign-in-error")).ToContainTextAsync("incorrect");
        await Expect(Input).ToBeHiddenAsync();

        await SignInAsync(Page, TeamFixture.AdminEmail, TeamFixture.AdminPassword);
        await Expect(Input).ToBeVisibleAsync();
        await SendAsync(Fake.Message(new { text = "Le budget de la direction est prêt.", tps = 200 }, "Budget de la direction"));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");

        await AddPersonAsync("Claire Martin", "claire@mairie-exemple.fr", "provisoire-claire-1");

        // An unsent draft does not stay behind for the next person on this computer.
        await Page.GetByTestId("new-conversation").ClickAsync();
        await Input.FillAsync("Brouillon confidentiel de la direction");
        await Page.WaitForFunctionAsync("() => Object.values(localStorage).some(v => v.includes('confidentiel'))");
        await SignOutAsync(Page);
        Assert.False(await Page.EvaluateAsync<bool>("() => Object.values(localStorage).some(v => v.includes('confidentiel'))"));

        // Claire: a temporary password must be replaced before the chat opens.
        await SignInAsync(Page, "claire@mairie-exemple.fr", "provisoire-claire-1");
        await Expect(Page.GetByTestId("password-required-page")).ToBeVisibleAsync();
        await Expect(Input).ToBeHiddenAsync();
        await Page.GetByLabel("Mot de passe provisoire").FillAsync("provisoire-claire-1");
        await Page.GetByLabel("Nouveau mot de passe (10 caractères au moins)").FillAsync("le-nouveau-de-claire");
        await Page.GetByLabel("Le nouveau mot de passe, une seconde fois").FillAsync("le-nouveau-de-claire");
        await Page.GetByTestId("password-submit").ClickAsync();
        await Expect(Input).ToBeVisibleAsync();

        // Her own THÉRÈSE: none of the admin's conversations or drafts, no admin pages.
        await Expect(Input).ToHaveValueAsync("");
        await Expect(Page.GetByTestId("conversation-item")).ToHaveCountAsync(0);
        await Expect(Page.GetByTestId("user-name")).ToHaveTextAsync("Claire Martin");
        await Expect(Page.GetByTestId("open-people")).ToHaveCountAsync(0);
        await SendAsync(Fake.Message(new { text = "Voici le compte rendu du conseil municipal.", tps = 200 }, "Compte rendu"));
        await Expect(LastContent).ToHaveTextAsync("Voici le compte rendu du conseil municipal.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Page.GetByTestId("conversation-item")).ToHaveCountAsync(1);

        // The model is the admin's to choose: Claire sees it, read-only.
        await Page.GetByTestId("open-settings").ClickAsync();
        await Expect(Page.GetByTestId("model-summary")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("model-form")).ToHaveCountAsync(0);
        // So are the tools: she sees the list, and nothing to add a server with.
        await Expect(Page.GetByTestId("tools-empty")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("tool-server-add")).ToHaveCountAsync(0);
        await SignOutAsync(Page);

        // The admin: her conversation only, and Claire's answer in this month's usage; she may add tool servers.
        await SignInAsync(Page, TeamFixture.AdminEmail, TeamFixture.AdminPassword);
        await Page.GetByTestId("open-settings").ClickAsync();
        await Expect(Page.GetByTestId("tool-server-add")).ToBeVisibleAsync();
        await Page.GetByTestId("back-to-chat").ClickAsync();
        await Expect(Page.GetByTestId("conversation-item")).ToHaveCountAsync(1);
        await Expect(Page.GetByTestId("conversation-item")).ToContainTextAsync("Budget de la direction");
        await Page.GetByTestId("open-usage").ClickAsync();
        var claire = Page.Locator("[data-testid=usage-row][data-email='claire@mairie-exemple.fr']");
        await Expect(claire).ToBeVisibleAsync();
        await Expect(claire.Locator("td").First).ToHaveTextAsync("1");
        Assert.NotEqual("0", await claire.GetByTestId("usage-out").TextContentAsync());
    });

    [Fact]
    public Task Two_people_at_once_each_see_only_their_own_conversations() => RunAsync(async () =>
    {
        await SignInAsync(Page, TeamFixture.AdminEmail, TeamFixture.AdminPassword);
        await Expect(Input).ToBeVisibleAsync();
        await AddPersonAsync("Bruno Petit", "bruno@mairie-exemple.fr", "provisoire-bruno-1");
        await Page.GetByTestId("back-to-chat").ClickAsync();
        await SendAsync(Fake.Message(new { text = "Réponse pour la direction seulement.", tps = 200 }, "Dossier du personnel"));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Page.WaitForURLAsync("**/c/*");
        var adminConversation = new Uri(Page.Url).AbsolutePath;

        // Bruno, in another browser at the same time.
        await using var other = await Fixture.Browser.NewContextAsync(new() { BaseURL = Host.BaseUrl, Locale = "fr-FR" });
        var bruno = await other.NewPageAsync();
        await SignInAsync(bruno, "bruno@mairie-exemple.fr", "provisoire-bruno-1");
        await bruno.GetByLabel("Mot de passe provisoire").FillAsync("provisoire-bruno-1");
        await bruno.GetByLabel("Nouveau mot de passe (10 caractères au moins)").FillAsync("le-nouveau-de-bruno");
        await bruno.GetByLabel("Le nouveau mot de passe, une seconde fois").FillAsync("le-nouveau-de-bruno");
        await bruno.GetByTestId("password-submit").ClickAsync();
        await Expect(bruno.GetByTestId("chat-input")).ToBeVisibleAsync();
        await Expect(bruno.GetByTestId("conversation-item")).ToHaveCountAsync(0);

        // The admin's conversation, by its address: it does not exist for Bruno, and search finds nothing.
        await bruno.GotoAsync(adminConversation);
        await Expect(bruno.GetByTestId("conversation-not-found")).ToContainTextAsync("Cette conversation n’existe pas");
        await bruno.GetByTestId("conversation-search").FillAsync("direction");
        await Expect(bruno.GetByText("Aucun résultat pour cette recherche.")).ToBeVisibleAsync();

        // The admin page typed by hand is refused in French.
        await bruno.GotoAsync("/admin/people");
        await Expect(bruno.GetByTestId("admin-only")).ToHaveTextAsync("Cette page est réservée à l’administrateur de l’équipe.");

        // The admin disables Bruno: his open page goes back to the sign-in at his next request.
        await Page.GetByTestId("open-people").ClickAsync();
        await Page.Locator("[data-testid=person][data-email='bruno@mairie-exemple.fr']").GetByTestId("toggle-disabled").ClickAsync();
        await Expect(Page.GetByTestId("people-notice")).ToHaveTextAsync("Bruno Petit ne peut plus se connecter.");
        await bruno.GetByTestId("back-to-chat").ClickAsync();
        await bruno.GetByTestId("chat-input").FillAsync("Encore une question");
        await bruno.GetByTestId("chat-input").PressAsync("Enter");
        await Expect(bruno.GetByTestId("sign-in")).ToBeVisibleAsync();
    });
}

/// <summary>A team THÉRÈSE started without an admin in its configuration.</summary>
public sealed class TeamSetupFixture : E2EFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Therese:Mode"] = "team" };
}

public sealed class FirstAdminTests(TeamSetupFixture fixture, ITestOutputHelper output)
    : E2ETest<TeamSetupFixture>(fixture, output), IClassFixture<TeamSetupFixture>
{
    [Fact]
    public Task The_first_person_on_this_machine_creates_the_admin_account_and_chats() => RunAsync(async () =>
    {
        await Page.GotoAsync("/");
        await Page.GetByLabel("Votre nom").FillAsync("Hélène Durand");
        await Page.GetByLabel("Adresse e-mail").FillAsync("helene@asso-exemple.fr");
        await Page.GetByLabel("Mot de passe (10 caractères au moins)").FillAsync("court");
        await Page.GetByTestId("setup-submit").ClickAsync();
        await Expect(Input).ToBeHiddenAsync();

        await Page.GetByLabel("Mot de passe (10 caractères au moins)").FillAsync("un-mot-de-passe-solide");
        await Page.GetByTestId("setup-submit").ClickAsync();
        await Expect(Input).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("user-name")).ToHaveTextAsync("Hélène Durand");
        await Expect(Page.GetByTestId("open-people")).ToBeVisibleAsync();

        // Once there is an admin, the setup is closed: a reload signs in, a new browser gets the sign-in.
        await Page.ReloadAsync();
        await Expect(Input).ToBeVisibleAsync();
        await using var other = await Fixture.Browser.NewContextAsync(new() { BaseURL = Host.BaseUrl, Locale = "fr-FR" });
        var page = await other.NewPageAsync();
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("sign-in")).ToBeVisibleAsync();
    });
}
