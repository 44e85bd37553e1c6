using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// The « Réflexion » block as a person sees it: open while Claude thinks, its text streaming in; closed to « A réfléchi
/// pendant N s » once the answer begins; opened again by a click; the same after a reload; never reset under a reader.
/// </summary>
public sealed partial class ReasoningTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    private ILocator Block => LastAssistant.GetByTestId("reasoning");
    private ILocator Toggle => Block.GetByTestId("reasoning-toggle");
    private ILocator ReasoningText => Block.GetByTestId("reasoning-text");

    [GeneratedRegex(@"^A réfléchi pendant (moins d’une seconde|\d+ s)$")]
    private static partial Regex Thought();

    [Fact]
    public Task The_block_streams_open_closes_with_its_duration_when_the_answer_begins_and_reopens_on_click() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { thinking_tokens = 40, tps = 20, ttft_ms = 300, text = "Voici la réponse, après réflexion." }));

        // « THÉRÈSE réfléchit... » until the first thought, then the block, open, its text growing.
        await Expect(Page.GetByTestId("thinking-indicator")).ToBeVisibleAsync();
        await Expect(ReasoningText).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("thinking-indicator")).ToHaveCountAsync(0);
        await Expect(Block.GetByTestId("reasoning-label")).ToHaveTextAsync("Réflexion en cours…");
        await Expect(Toggle).ToHaveAttributeAsync("aria-expanded", "true");
        var early = (await ReasoningText.TextContentAsync())!.Length;
        await Expect(ReasoningText).Not.ToHaveTextAsync((await ReasoningText.TextContentAsync())!);
        Assert.True((await ReasoningText.TextContentAsync())!.Length > early, "the reasoning streams in");
        // No answer text while the model thinks.
        Assert.Equal(0, await LastContent.CountAsync());

        // The answer begins: the block closes by itself to one line with how long the model thought.
        await Expect(LastContent).ToContainTextAsync("Voici la réponse");
        await Expect(ReasoningText).ToHaveCountAsync(0);
        await Expect(Toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(Block.GetByTestId("reasoning-label")).ToHaveTextAsync(Thought());

        await Toggle.ClickAsync();
        await Expect(ReasoningText).ToContainTextAsync(Therese.FakeLlm.FakeText.Text(40).Trim()[..30]);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        // The answer's text is the answer alone.
        Assert.DoesNotContain(Therese.FakeLlm.FakeText.Text(40).Trim()[..30], await LastAnswerTextAsync());
    });

    [Fact]
    public Task After_a_reload_the_block_shows_the_same_duration_closed_and_opens_on_the_same_text() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { thinking = "Le budget se vote en mars, donc la délibération doit partir en février.", tps = 40, ttft_ms = 0, text = "Envoyez-la en février." }));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        var label = await Block.GetByTestId("reasoning-label").TextContentAsync();
        Assert.Matches(Thought(), label!);

        await Page.ReloadAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Block.GetByTestId("reasoning-label")).ToHaveTextAsync(label!);
        await Expect(ReasoningText).ToHaveCountAsync(0);
        await Toggle.ClickAsync();
        await Expect(ReasoningText).ToHaveTextAsync("Le budget se vote en mars, donc la délibération doit partir en février.");
        await Expect(LastContent).ToHaveTextAsync("Envoyez-la en février.");
    });

    [Fact]
    public Task Someone_reading_the_reasoning_when_the_answer_begins_keeps_it_open() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { thinking_tokens = 30, tps = 15, ttft_ms = 0, text = "La réponse arrive." }));
        await Expect(ReasoningText).ToBeVisibleAsync();
        // The pointer rests on the text being read.
        await ReasoningText.HoverAsync();
        await Expect(LastContent).ToContainTextAsync("La réponse arrive.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(ReasoningText).ToBeVisibleAsync();
        await Expect(Toggle).ToHaveAttributeAsync("aria-expanded", "true");
    });

    [Fact]
    public Task A_reload_during_reasoning_shows_the_block_open_with_what_was_thought_and_it_goes_on() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { thinking_tokens = 80, tps = 20, ttft_ms = 0, text = "Réponse après la reprise." }));
        await Expect(ReasoningText).ToBeVisibleAsync();
        await Page.WaitForFunctionAsync("() => (document.querySelector('[data-testid=reasoning-text]')?.textContent ?? '').length > 40");

        await Page.ReloadAsync();
        // Resumed: open and live, with everything thought so far, then the answer.
        await Expect(ReasoningText).ToBeVisibleAsync();
        await Expect(Block.GetByTestId("reasoning-label")).ToHaveTextAsync("Réflexion en cours…");
        await Expect(LastContent).ToContainTextAsync("Réponse après la reprise.", new() { Timeout = 15_000 });
        await Expect(Block.GetByTestId("reasoning-label")).ToHaveTextAsync(Thought());
        await Toggle.ClickAsync();
        await Expect(ReasoningText).ToHaveTextAsync(Therese.FakeLlm.FakeText.Text(80).Trim());
    });

    [Fact]
    public Task The_live_region_says_THERESE_reflechit_then_reads_only_the_answer() => RunAsync(async () =>
    {
        await OpenAsync();
        // The indicator shows from the send; the first thought comes 3 s later, long after it is on screen.
        await SendAsync(Fake.Message(new { thinking = "Une pensée secrète.", tps = 20, ttft_ms = 3000, text = "Réponse lue à voix haute." }));
        await Expect(Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "THÉRÈSE réfléchit" })).ToBeVisibleAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        var announcer = Page.GetByTestId("live-announcer");
        await Expect(announcer).ToContainTextAsync("Réponse lue à voix haute.");
        await Expect(announcer).Not.ToContainTextAsync("pensée secrète");
    });
}
