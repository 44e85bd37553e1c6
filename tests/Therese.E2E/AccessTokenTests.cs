using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>THÉRÈSE protected by an access token, as an administrator sets it up to use it from another machine.</summary>
public sealed class AccessTokenFixture : E2EFixture
{
    public const string Token = "jeton-du-navigateur-5c2e8a41";

    protected override IDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Therese:AccessToken"] = Token };
}

/// <summary>The page asks for the token once, keeps it in an HttpOnly cookie, and then works as usual.</summary>
public sealed class AccessTokenTests(AccessTokenFixture fixture, ITestOutputHelper output)
    : E2ETest<AccessTokenFixture>(fixture, output), IClassFixture<AccessTokenFixture>
{
    private ILocator TokenInput => Page.GetByLabel("Jeton d’accès");

    [Fact]
    public Task The_page_asks_for_the_token_once_keeps_it_out_of_reach_of_scripts_and_then_answers() => RunAsync(async () =>
    {
        await Page.GotoAsync("/");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Jeton d’accès" })).ToBeVisibleAsync();
        await Expect(Input).ToBeHiddenAsync();

        await TokenInput.FillAsync("pas-le-bon-jeton-du-tout");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continuer" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("n’est pas le bon");
        Assert.Empty(await Context.CookiesAsync());

        await TokenInput.FillAsync(AccessTokenFixture.Token);
        await TokenInput.PressAsync("Enter");
        await Expect(Input).ToBeVisibleAsync();

        var cookie = Assert.Single(await Context.CookiesAsync());
        Assert.Equal("therese_access", cookie.Name);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.False(cookie.Secure); // plain http on loopback; Secure over HTTPS (server tests)
        Assert.DoesNotContain(AccessTokenFixture.Token, cookie.Value);
        Assert.DoesNotContain("therese_access", await Page.EvaluateAsync<string>("() => document.cookie"));

        await SendAsync(Fake.Message(new { text = "Bienvenue, vous êtes connecté.", tps = 50, ttft_ms = 20 }));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(LastContent).ToHaveTextAsync("Bienvenue, vous êtes connecté.");

        // Asked once: a reload goes straight to the conversation.
        await Page.ReloadAsync();
        await Expect(Input).ToBeVisibleAsync();
        await Expect(TokenInput).ToBeHiddenAsync();
    });
}
