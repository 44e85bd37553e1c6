using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Therese.FakeLlm;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// The chat as people really use it: double clicks, an impatient Stop, long pastes, drafts, keyboards,
/// screen readers, versions, search, and what the network carries.
/// </summary>
public sealed partial class EverydayUseTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    [Fact]
    public Task A_double_click_on_Send_sends_once_and_does_not_stop_the_answer() => RunAsync(async () =>
    {
        await OpenAsync();
        await Input.FillAsync(Fake.Message(new { tokens = 30, tps = 20, ttft_ms = 50 }, "Double clic"));
        await Page.GetByTestId("send-button").DblClickAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 15_000 });
        Assert.Equal(FakeText.Text(30).Trim(), await LastAnswerTextAsync());
        await Expect(Page.GetByTestId("message-user")).ToHaveCountAsync(1);
        Assert.Equal("completed", FakeLlm.Requests.Single().Outcome);
    });

    [Fact]
    public Task A_Stop_before_the_answer_is_named_keeps_the_conversation_whole() => RunAsync(async () =>
    {
        // The request reaches the server only 800 ms after Enter: Escape comes before the server names the answer.
        await Page.RouteAsync("**/api/chat/stream", async route =>
        {
            await Task.Delay(800);
            await route.ContinueAsync();
        });
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens = 400, tps = 20, ttft_ms = 0 }, "Première question"));
        await Page.Keyboard.PressAsync("Escape");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await Page.UnrouteAllAsync();

        // The server heard the Stop as soon as it named the answer: the model was stopped.
        await FakeLlm.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(10));
        await Expect(Page).ToHaveURLAsync(ConversationUrl());
        var url = Page.Url;

        await SendAsync(Fake.Message(new { text = "Seconde réponse.", tps = 50 }, "Deuxième question"));
        await Expect(LastContent).ToHaveTextAsync("Seconde réponse.");
        Assert.Equal(url, Page.Url);

        await Page.ReloadAsync();
        await Expect(Page.GetByTestId("message-user")).ToHaveCountAsync(2);
        await Expect(Page.GetByTestId("message-user").First).ToContainTextAsync("Première question");
        await Expect(Page.GetByTestId("message-user").Last).ToContainTextAsync("Deuxième question");
        await Expect(Assistant.First).ToHaveAttributeAsync("data-status", "stopped");
        // The model saw the first question too.
        Assert.Contains(FakeLlm.Requests[^1].Messages, m => m.Content.Contains("Première question"));
    });

    [Fact]
    public Task An_over_long_paste_is_counted_refused_with_the_reason_and_kept_in_the_box() => RunAsync(async () =>
    {
        await OpenAsync();
        var text = new string('é', 100_001);
        await Input.FillAsync(text);
        await Expect(Page.GetByTestId("length-counter")).ToContainTextAsync("100 001 / 100 000 caractères");
        await Expect(Page.GetByTestId("length-counter")).ToContainTextAsync("le message est trop long");
        await Expect(Page.GetByTestId("send-button")).ToBeDisabledAsync();
        await Input.PressAsync("Enter");
        await Expect(Page.GetByTestId("message-user")).ToHaveCountAsync(0);
        Assert.Equal(text.Length, (await Input.InputValueAsync()).Length);
        Assert.Empty(FakeLlm.Requests);
    });

    [Fact]
    public Task A_draft_survives_a_reload_and_a_switch_of_conversation() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { text = "Réponse.", tps = 50 }, "Une conversation"));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Input.FillAsync("Un brouillon que je n’ai pas envoyé");
        await Page.ReloadAsync();
        await Expect(Input).ToHaveValueAsync("Un brouillon que je n’ai pas envoyé");

        await Page.GetByTestId("new-conversation").ClickAsync();
        await Expect(Input).ToHaveValueAsync("");
        await Page.GoBackAsync();
        await Expect(Input).ToHaveValueAsync("Un brouillon que je n’ai pas envoyé");
    });

    [Fact]
    public Task Continuer_shows_after_a_Stop_without_hovering() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens = 400, tps = 20, ttft_ms = 0 }));
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(5).Trim());
        await Page.Keyboard.PressAsync("Escape");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await Page.Mouse.MoveAsync(5, 5);
        var button = LastAssistant.GetByTestId("continue-button");
        await Expect(button).ToBeVisibleAsync();
        await Expect(button).ToHaveCSSAsync("opacity", "1");
    });

    [Fact]
    public Task Focus_goes_to_the_message_box_after_a_new_conversation_and_back_to_its_opener_after_the_dialog() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { text = "Réponse.", tps = 50 }, "Pour le dialogue"));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");

        await Page.GetByTestId("new-conversation").FocusAsync();
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Input).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Control+n");
        await Expect(Input).ToBeFocusedAsync();

        var item = Page.GetByTestId("conversation-item").First;
        await item.HoverAsync();
        var delete = item.GetByTestId("delete-conversation");
        await delete.FocusAsync();
        await Page.Keyboard.PressAsync("Enter");
        var dialog = Page.GetByTestId("confirm-delete-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("cancel-delete")).ToBeFocusedAsync();
        // Tab stays in the dialog.
        for (var i = 0; i < 5; i++)
        {
            await Page.Keyboard.PressAsync("Tab");
            Assert.True(await dialog.EvaluateAsync<bool>("d => d.contains(document.activeElement)"), "the focus left the dialog");
        }
        await Page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(delete).ToBeFocusedAsync();
    });

    [Fact]
    public Task The_skip_link_leads_to_the_message_box() => RunAsync(async () =>
    {
        await OpenAsync();
        var skip = Page.GetByTestId("skip-link");
        // The first stop of the keyboard: going back from the message box through the page reaches it last.
        for (var i = 0; i < 80 && !await skip.EvaluateAsync<bool>("a => a === document.activeElement"); i++)
            await Page.Keyboard.PressAsync("Shift+Tab");
        await Expect(skip).ToBeFocusedAsync();
        Assert.True(await skip.EvaluateAsync<bool>(
            "a => [...document.querySelectorAll('a[href], button, input, textarea, select, [tabindex]')].find((e) => !e.disabled && e.tabIndex >= 0) === a"),
            "the skip link is not the first thing the keyboard reaches");
        await Expect(skip).ToBeVisibleAsync();
        await Expect(skip).ToHaveTextAsync("Aller au champ de message");
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Input).ToBeFocusedAsync();
    });

    [Fact]
    public Task A_screen_reader_hears_the_end_of_the_answer_not_every_token() => RunAsync(async () =>
    {
        await OpenAsync();
        var announcer = Page.GetByTestId("live-announcer");
        await Expect(announcer).ToHaveAttributeAsync("aria-live", "polite");
        // Slow enough (about two seconds) to be seen while it streams, however loaded the machine.
        await SendAsync(Fake.Message(new { text = "Voici le budget de la fête : 1 200 €.", tps = 5 }));
        await Expect(LastContent).ToContainTextAsync("Voici");
        // Read at one instant: while the answer streams, the live region says nothing.
        var during = await Page.EvaluateAsync<string[]>(
            """
            () => {
              const all = document.querySelectorAll('[data-testid=message-assistant]');
              return [all[all.length - 1].dataset.status, document.querySelector('[data-testid=live-announcer]').textContent];
            }
            """);
        Assert.Equal(["streaming", ""], during);
        await Expect(announcer).ToHaveTextAsync("Réponse terminée : Voici le budget de la fête : 1 200 €.");

        await SendAsync(Fake.Message(new { tokens = 400, tps = 20, ttft_ms = 0 }));
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(4).Trim());
        await Page.Keyboard.PressAsync("Escape");
        await Expect(announcer).ToHaveTextAsync("Réponse arrêtée. Le début de la réponse est conservé.");
    });

    [Fact]
    public Task Versions_of_an_answer_can_be_browsed_and_the_choice_is_kept() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { text = "Première version.", tps = 50 }, "Un slogan"));
        await Expect(LastContent).ToHaveTextAsync("Première version.");
        await LastAssistant.HoverAsync();
        await LastAssistant.GetByTestId("regenerate-button").ClickAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        // The regenerated answer is the fake's default one (the directive was in the question).
        var second = await LastAnswerTextAsync();
        await Expect(LastAssistant.GetByTestId("message-versions")).ToHaveTextAsync("2/2");

        await LastAssistant.HoverAsync();
        await LastAssistant.GetByTestId("version-previous").ClickAsync();
        await Expect(LastContent).ToHaveTextAsync("Première version.");
        await Expect(LastAssistant.GetByTestId("message-versions")).ToHaveTextAsync("1/2");
        await Page.ReloadAsync();
        await Expect(LastContent).ToHaveTextAsync("Première version.");
        await LastAssistant.HoverAsync();
        await LastAssistant.GetByTestId("version-next").ClickAsync();
        await Expect(LastContent).ToHaveTextAsync(second);
    });

    [Fact]
    public Task Search_finds_a_word_that_is_only_in_an_answer_and_opens_it_on_that_message() => RunAsync(async () =>
    {
        await OpenAsync();
        var filler = string.Join(" ", Enumerable.Repeat("Une phrase sans le mot cherché.", 60));
        // The word is escaped in the script line, so only the answer holds it as a word.
        await SendAsync("Le rucher municipal\n::fake {\"text\":\"Pensez au \\u0062ourdonnement des abeilles. " + filler + "\",\"tps\":0}");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        for (var i = 0; i < 4; i++)
        {
            await SendAsync(Fake.Message(new { text = filler, tps = 0 }, $"Suite {i}"));
            await Expect(Page.GetByTestId("message-user").Last).ToContainTextAsync($"Suite {i}");
            await Expect(Page.GetByTestId("send-button")).ToBeVisibleAsync();
        }
        await Page.GetByTestId("new-conversation").ClickAsync();

        await Page.GetByTestId("conversation-search").FillAsync("BOURDONNEMENT");
        var result = Page.GetByTestId("search-result");
        await Expect(result).ToHaveCountAsync(1);
        await Expect(result.Locator("mark")).ToHaveTextAsync("bourdonnement");
        await Axe.AssertNoViolationsAsync(Page, "résultats de recherche");
        await result.ClickAsync();

        var found = Page.Locator(".message-found");
        await Expect(found).ToHaveCountAsync(1);
        await Expect(found).ToContainTextAsync("bourdonnement des abeilles");
        await Expect(found).ToBeInViewportAsync();
    });

    [Fact]
    public Task The_script_arrives_compressed() => RunAsync(async () =>
    {
        // Parts of the app keep arriving in idle time while this looks at the first ones.
        var scripts = new System.Collections.Concurrent.ConcurrentQueue<IResponse>();
        Page.Response += (_, response) =>
        {
            if (response.Url.EndsWith(".js", StringComparison.Ordinal) && response.Url.Contains("/assets/", StringComparison.Ordinal)) scripts.Enqueue(response);
        };
        await OpenAsync();
        Assert.NotEmpty(scripts);
        var compressed = 0;
        foreach (var script in scripts.ToArray())
        {
            var headers = await script.AllHeadersAsync();
            Assert.Contains("immutable", headers["cache-control"]);
            // Files under 1 KB are left plain at build time (compressing them saves nothing worth a header).
            if ((await script.BodyAsync()).Length < 1024) continue;
            Assert.Equal("br", headers.GetValueOrDefault("content-encoding"));
            compressed++;
        }
        Assert.True(compressed > 0, "no script large enough to compress was loaded");
    });

    [Fact]
    public Task Axe_finds_nothing_in_the_main_states_in_both_themes() => RunAsync(async () =>
    {
        foreach (var dark in new[] { false, true })
        {
            await Page.EmulateMediaAsync(new() { ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light });
            var theme = dark ? "sombre" : "clair";
            await OpenAsync();
            await Axe.AssertNoViolationsAsync(Page, $"accueil, thème {theme}");

            await SendAsync(Fake.Message(new { tokens = 400, tps = 20, ttft_ms = 0, markdown = true }));
            await Expect(LastContent).ToBeVisibleAsync();
            await Axe.AssertNoViolationsAsync(Page, $"réponse en cours, thème {theme}");
            await Page.Keyboard.PressAsync("Escape");
            await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
            await Axe.AssertNoViolationsAsync(Page, $"réponse arrêtée, thème {theme}");

            await SendAsync(Fake.Message(new { text = "Réponse **complète** avec `du code`.", tps = 50 }));
            await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
            await Axe.AssertNoViolationsAsync(Page, $"réponse terminée, thème {theme}");

            await SendAsync(Fake.Message(new { status = 401 }));
            await Expect(Page.GetByTestId("message-error")).ToBeVisibleAsync();
            await Axe.AssertNoViolationsAsync(Page, $"erreur, thème {theme}");

            var item = Page.GetByTestId("conversation-item").First;
            await item.HoverAsync();
            await item.GetByTestId("delete-conversation").ClickAsync();
            await Expect(Page.GetByTestId("confirm-delete-dialog")).ToBeVisibleAsync();
            await Axe.AssertNoViolationsAsync(Page, $"dialogue de suppression, thème {theme}");
            await Page.Keyboard.PressAsync("Escape");

            await Page.GotoAsync("/settings");
            await Expect(Page.GetByTestId("settings")).ToBeVisibleAsync();
            await Axe.AssertNoViolationsAsync(Page, $"réglages, thème {theme}");
        }
    });

    [GeneratedRegex(@"/c/(?<id>[^/?#]+)$")]
    private static partial Regex ConversationUrl();
}
