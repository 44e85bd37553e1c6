using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Therese.FakeLlm;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// Stop really stops: the text freezes, the provider connection closes, the answer is marked. How soon the provider sees
/// its connection closed after the click is measured in the benchmark (section 12), not bounded here.
/// </summary>
public sealed class StopTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    [Fact]
    public Task Stop_button_stops_the_text_closes_the_provider_connection_and_marks_the_answer() => RunAsync(() =>
        StopsForReal("stop button", ClickStopMeasuredAsync));

    /// <summary>
    /// A real mouse click on the Stop button. Playwright's ClickAsync first waits for the element to be
    /// stable over two animation frames, which put 46-73 ms between "just before the click" and the
    /// pointerdown reaching the page (measured). So the actionability checks run first (a trial click),
    /// and the clock (for the output line) starts right before the mouse input itself.
    /// </summary>
    private async Task<DateTimeOffset> ClickStopMeasuredAsync()
    {
        var button = Page.GetByTestId("stop-button");
        await button.ClickAsync(new LocatorClickOptions { Trial = true });
        var box = await button.BoundingBoxAsync() ?? throw new InvalidOperationException("the stop button has no box");
        var clickAt = DateTimeOffset.UtcNow;
        await Page.Mouse.ClickAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        return clickAt;
    }

    [Fact]
    public Task Escape_does_the_same_as_the_stop_button() => RunAsync(() =>
        StopsForReal("Escape", async () =>
        {
            var pressAt = DateTimeOffset.UtcNow;
            await Page.Keyboard.PressAsync("Escape");
            return pressAt;
        }));

    [Fact]
    public Task Stop_clicked_right_after_Envoyer_stops_and_the_corrected_question_is_sent() => RunAsync(async () =>
    {
        await OpenAsync();
        await Input.FillAsync(Fake.Message(new { tokens = 400, tps = 20, ttft_ms = 100 }, "Quelle est la date limite de la TVA ?"));
        // A person who sees the wrong question as it goes: a click on « Envoyer », a separate click on « Arrêter » 100 ms later.
        var send = Page.GetByTestId("send-button");
        await send.ClickAsync(new LocatorClickOptions { Trial = true });
        var box = await send.BoundingBoxAsync() ?? throw new InvalidOperationException("the send button has no box");
        await Page.Mouse.ClickAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await Task.Delay(100);
        var stop = Page.GetByTestId("stop-button");
        var stopBox = await stop.BoundingBoxAsync() ?? throw new InvalidOperationException("the stop button has no box");
        await Page.Mouse.ClickAsync(stopBox.X + stopBox.Width / 2, stopBox.Y + stopBox.Height / 2);

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(Page.GetByTestId("send-button")).ToBeVisibleAsync();

        // The corrected question goes at once, while the stopped answer may still be being saved.
        await SendAsync(Fake.Message(new { tokens = 8 }, "Quelle est la date limite de la CFE ?"));
        await Expect(Page.GetByTestId("message-user")).ToHaveCountAsync(2);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Page.GetByTestId("chat-notice")).ToHaveCountAsync(0);
        await Expect(Input).ToHaveValueAsync("");

        await Page.ReloadAsync();
        var questions = Page.GetByTestId("message-user");
        await Expect(questions).ToHaveCountAsync(2);
        await Expect(questions.First).ToContainTextAsync("date limite de la TVA");
        await Expect(questions.Last).ToContainTextAsync("date limite de la CFE");
        await Expect(Assistant.First).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(Assistant.Last).ToHaveAttributeAsync("data-status", "complete");
        Assert.Equal("client_disconnected", FakeLlm.Requests.First().Outcome);
    });

    /// <param name="stop">stops the answer; returns the time taken right before the user input.</param>
    private async Task StopsForReal(string how, Func<Task<DateTimeOffset>> stop)
    {
        const int tokens = 400;
        var full = FakeText.Text(tokens);
        // Diagnostics: when the page itself saw the click / the key (wall clock, like the fake's log).
        await Page.AddInitScriptAsync(
            """
            window.__stopEventAt = null;
            const note = (name, last) => {
              window.__stopEventAt ??= {};
              if (last || !(name in window.__stopEventAt)) window.__stopEventAt[name] = performance.timeOrigin + performance.now();
            };
            // The last input event (Playwright's actionability checks may send some before the click).
            for (const type of ['pointerdown', 'click', 'keydown'])
              addEventListener(type, (e) => note(type + (e.isTrusted ? '' : ' (untrusted)'), true), true);
            new MutationObserver((records) => {
              for (const r of records) if (r.target.getAttribute?.('data-status') === 'stopped') note('data-status=stopped');
            }).observe(document, { attributes: true, attributeFilter: ['data-status'], subtree: true });
            """);
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens, tps = 20, ttft_ms = 100 }));
        await Page.EvaluateAsync("() => { window.__stopEventAt = null; }");

        // Let a few words show, then stop in the middle of the answer.
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(6).Trim());
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(Page.GetByTestId("stop-button")).ToBeVisibleAsync();

        var clickAt = await stop();

        var request = await FakeLlm.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        var gap = request.DisconnectedAt!.Value - clickAt;
        var pageEvents = await Page.EvaluateAsync<Dictionary<string, double>?>("() => window.__stopEventAt");
        var seen = string.Join(", ", (pageEvents ?? []).Select(e =>
            $"{e.Key} in the page +{(DateTimeOffset.FromUnixTimeMilliseconds((long)e.Value) - clickAt).TotalMilliseconds:F0} ms"));
        Output.WriteLine($"{how}: provider connection closed {gap.TotalMilliseconds:F1} ms after the click " +
                         $"({seen}; outcome {request.Outcome}, {request.TokensSent} of {tokens} tokens sent)");

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(LastAssistant.GetByText("Réponse interrompue")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("streaming-cursor")).ToHaveCountAsync(0);
        await Expect(Page.GetByTestId("stop-button")).ToHaveCountAsync(0);
        await Expect(Page.GetByTestId("send-button")).ToBeVisibleAsync();

        // The text no longer grows: at 20 tokens/s, a second would have brought ~20 more words.
        var shown = await LastAnswerTextAsync();
        var tokensAtStop = request.TokensSent;
        var until = DateTime.UtcNow.AddSeconds(1);
        while (DateTime.UtcNow < until)
        {
            Assert.Equal(shown, await LastAnswerTextAsync());
            await Task.Delay(50);
        }
        Assert.Equal(tokensAtStop, FakeLlm.Requests.Single().TokensSent);
        Assert.Equal("client_disconnected", FakeLlm.Requests.Single().Outcome);
        Assert.True(shown.Length > 0 && full.Trim().StartsWith(shown, StringComparison.Ordinal),
            $"the stopped text must be the start of the answer: «{shown}»");
        Assert.True(shown.Length < full.Trim().Length, "the answer must have been stopped before its end");
    }
}
