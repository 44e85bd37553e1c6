using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// The chat input is in the page itself: there, focused and taking typing before the app's code has run, and
/// what was typed stays when the app takes over. How soon, and with which long tasks, is measured in the
/// benchmark (section « First screen »), not bounded here.
/// </summary>
public sealed partial class FirstScreenTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    private ILocator PageInput => Page.Locator("textarea[data-shell]");
    private ILocator AppTookOver => Page.Locator("html[data-app]");

    [Fact]
    public Task Text_typed_before_the_app_runs_is_kept_with_its_caret() => RunAsync(async () =>
    {
        // The app's code is held back: whatever shows meanwhile is the page alone.
        var release = new TaskCompletionSource();
        await Page.RouteAsync(EntryScript(), async route =>
        {
            await release.Task;
            await route.ContinueAsync();
        });
        await Page.GotoAsync("/", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });

        await Expect(PageInput).ToBeVisibleAsync();
        await Expect(PageInput).ToBeFocusedAsync();
        await Expect(PageInput).ToHaveAttributeAsync("placeholder", "Message THÉRÈSE...");
        await Page.Keyboard.TypeAsync("Bonjour");
        for (var i = 0; i < 3; i++) await Page.Keyboard.PressAsync("ArrowLeft");
        await Expect(PageInput).ToHaveValueAsync("Bonjour");
        await Expect(AppTookOver).ToHaveCountAsync(0);

        release.SetResult();
        await Expect(AppTookOver).ToHaveCountAsync(1);
        await Expect(PageInput).ToHaveCountAsync(0);
        await Expect(Input).ToHaveValueAsync("Bonjour");
        await Expect(Input).ToBeFocusedAsync();
        // The caret is where it was: after « Bonj ».
        await Page.Keyboard.TypeAsync("!");
        await Expect(Input).ToHaveValueAsync("Bonj!our");
    });

    [Fact]
    public Task The_chat_shows_and_sends_without_waiting_for_who_is_signed_in_or_the_settings() => RunAsync(async () =>
    {
        // The two requests the first screen used to wait for, one after the other, fail now.
        var asked = new List<string>();
        await Page.RouteAsync(new Regex("/api/(auth/me|settings)$"), route =>
        {
            lock (asked) asked.Add(new Uri(route.Request.Url).AbsolutePath);
            return route.AbortAsync();
        });
        await OpenAsync();
        await Expect(Page.GetByText("Bonjour, je suis THÉRÈSE.")).ToBeVisibleAsync();
        await SendAsync(Fake.Message(new { tokens = 6 }, "Une question tout de suite"));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        lock (asked) Assert.Empty(asked);
    });

    private static Regex EntryScript() => EntryScriptPattern();

    [GeneratedRegex(@"/assets/index-[^/]+\.js$")]
    private static partial Regex EntryScriptPattern();
}
