using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>What the user sees while an answer arrives: indicator, progressive text, cursor, history.</summary>
public sealed class StreamingTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    [Fact]
    public Task Thinking_indicator_shows_before_the_first_token_and_goes_with_it() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new
        {
            text = "Bonjour, je suis THÉRÈSE et je prépare votre réponse avec soin.",
            ttft_ms = 800,
            tps = 5,
        }));

        var indicator = Page.GetByTestId("thinking-indicator");
        await Expect(indicator).ToBeVisibleAsync();
        await Expect(indicator).ToContainTextAsync("THÉRÈSE réfléchit");
        // Still before the first token: no text shown, and the provider has sent none yet.
        Assert.Equal(0, await Page.GetByTestId("message-content").CountAsync());
        var request = await FakeLlm.WaitForRequestAsync(_ => true, TimeSpan.FromSeconds(5));
        Assert.Null(request.FirstTokenAt);

        // The first token replaces the indicator, while the answer is still streaming.
        await Expect(LastContent).ToBeVisibleAsync();
        Assert.Equal(0, await indicator.CountAsync());
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(indicator).ToHaveCountAsync(0);
        var shownAt = DateTimeOffset.UtcNow;
        request = FakeLlm.Requests.Single();
        Output.WriteLine($"first token sent by the fake {(request.FirstTokenAt!.Value - request.ReceivedAt).TotalMilliseconds:F0} ms after the request; " +
                         $"text seen in the page {(shownAt - request.FirstTokenAt!.Value).TotalMilliseconds:F0} ms after that (upper bound)");

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(indicator).ToHaveCountAsync(0);
    });

    [Fact]
    public Task Text_grows_in_visible_steps_and_ends_exactly_as_sent_with_utf8_split_across_writes() => RunAsync(async () =>
    {
        const string answer =
            "Voilà la réponse de THÉRÈSE : le café de la mairie ouvre dès 8 h, " +
            "la trésorière prépare le procès-verbal ☕ et l’équipe fête Noël à l’hôtel 🇫🇷 " +
            "avec des crêpes, une bûche et beaucoup de cœur 👩‍💼 ! À bientôt, çà et là, naïve forêt 🥐✨.";
        await OpenAsync();
        await SendAsync(Fake.Message(new { text = answer, tps = 15, ttft_ms = 200, split_utf8 = true }));

        // Sample the DOM from here every ~30 ms while the answer streams.
        var steps = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var sample = await Page.EvaluateAsync<Sample>(
                """
                () => {
                  const all = document.querySelectorAll('[data-testid=message-assistant]');
                  const last = all[all.length - 1];
                  return {
                    status: last?.getAttribute('data-status') ?? null,
                    text: last?.querySelector('[data-testid=message-content]')?.textContent ?? '',
                  };
                }
                """);
            if (sample.Status is not null && sample.Status != "streaming") break;
            if (sample.Text != "" && (steps.Count == 0 || steps[^1] != sample.Text)) steps.Add(sample.Text);
            await Task.Delay(30);
        }

        Output.WriteLine($"{steps.Count} distinct visible states while streaming; lengths: {string.Join(", ", steps.Select(s => s.Length))}");
        Assert.True(steps.Count >= 5, $"the text should grow in several visible steps, saw {steps.Count}: {string.Join(" | ", steps)}");
        foreach (var step in steps)
        {
            Assert.DoesNotContain('\uFFFD', step); // a split UTF-8 sequence must never show as �
            Assert.True(answer.StartsWith(step, StringComparison.Ordinal), $"shown text is not a prefix of the answer: «{step}»");
        }
        for (var i = 1; i < steps.Count; i++) Assert.True(steps[i].Length > steps[i - 1].Length, "the text must only grow");

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        Assert.Equal(answer, await LastAnswerTextAsync());
        await Expect(LastContent).ToHaveTextAsync(answer);
        Assert.True(FakeLlm.Requests.Single().TokensSent > 10);
    });

    [Fact]
    public Task Streaming_cursor_is_there_while_streaming_and_gone_afterwards() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens = 30, tps = 12, ttft_ms = 100 }));

        var cursor = LastAssistant.GetByTestId("streaming-cursor");
        await Expect(LastContent).ToBeVisibleAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(cursor).ToBeVisibleAsync();
        await Expect(LastContent.GetByTestId("streaming-cursor")).ToHaveCountAsync(1);

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Page.GetByTestId("streaming-cursor")).ToHaveCountAsync(0);
        // Markdown drops the leading space of the first token.
        Assert.Equal(Therese.FakeLlm.FakeText.Text(30).Trim(), await LastAnswerTextAsync());
    });

    [Fact]
    public Task Second_question_sends_the_first_exchange_to_the_provider() => RunAsync(async () =>
    {
        const string firstAnswer = "La mairie ouvre à 9 h du lundi au vendredi.";
        const string secondAnswer = "Le samedi, elle ouvre de 9 h à 12 h.";
        var first = Fake.Message(new { text = firstAnswer, tps = 0, ttft_ms = 50 }, "À quelle heure ouvre la mairie ?");
        var second = Fake.Message(new { text = secondAnswer, tps = 0, ttft_ms = 50 }, "Et le samedi ?");

        await OpenAsync();
        await SendAsync(first);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(LastContent).ToHaveTextAsync(firstAnswer);

        await SendAsync(second);
        await Expect(Assistant).ToHaveCountAsync(2);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(LastContent).ToHaveTextAsync(secondAnswer);

        var request = await FakeLlm.WaitForRequestAsync(r => r.Directive?.Contains(secondAnswer) == true, TimeSpan.FromSeconds(5));
        Output.WriteLine(string.Join("\n", request.Messages.Select(m => $"{m.Role}: {m.Content}")));
        Assert.Collection(request.Messages,
            m => { Assert.Equal("user", m.Role); Assert.Equal(first, m.Content); },
            m => { Assert.Equal("assistant", m.Role); Assert.Equal(firstAnswer, m.Content); },
            m => { Assert.Equal("user", m.Role); Assert.Equal(second, m.Content); });
        Assert.Equal(2, FakeLlm.Requests.Count);
    });

    private sealed class Sample
    {
        public string? Status { get; set; }
        public string Text { get; set; } = "";
    }
}
