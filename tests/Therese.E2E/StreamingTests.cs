using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>What the user sees while an answer arrives: indicator, progressive text, cursor, history.</summary>
public sealed class StreamingTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    /// <summary>
    /// Installed before the page's scripts: at every animation frame, what the last answer shows (the indicator, the text,
    /// its status), noted when it changes. The page records what it painted at its own pace, so a test that reads it later
    /// sees every state, however slowly a busy machine lets the test's own calls through.
    /// </summary>
    private const string FrameRecorder =
        """
        window.__shown = [];
        const note = () => {
          const all = document.querySelectorAll('[data-testid=message-assistant]');
          const last = all[all.length - 1];
          const state = {
            indicator: document.querySelector('[data-testid=thinking-indicator]')?.textContent ?? null,
            text: last?.querySelector('[data-testid=message-content]')?.textContent ?? null,
            status: last?.getAttribute('data-status') ?? null,
          };
          const previous = window.__shown[window.__shown.length - 1];
          if (!previous || previous.indicator !== state.indicator || previous.text !== state.text || previous.status !== state.status)
            window.__shown.push(state);
          requestAnimationFrame(note);
        };
        requestAnimationFrame(note);
        """;

    private async Task<List<Shown>> ShownAsync() =>
        System.Text.Json.JsonSerializer.Deserialize<List<Shown>>(await Page.EvaluateAsync<string>("() => JSON.stringify(window.__shown)"),
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;

    [Fact]
    public Task Thinking_indicator_shows_before_the_first_token_and_goes_with_it() => RunAsync(async () =>
    {
        await Page.AddInitScriptAsync(FrameRecorder);
        await OpenAsync();
        await SendAsync(Fake.Message(new
        {
            text = "Bonjour, je suis THÉRÈSE et je prépare votre réponse avec soin.",
            ttft_ms = 800,
            tps = 5,
        }));

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Page.GetByTestId("thinking-indicator")).ToHaveCountAsync(0);

        // Frame by frame: the indicator alone until the first word, then the text and never the indicator again.
        var shown = (await ShownAsync()).SkipWhile(s => s.Indicator is null).ToList();
        Output.WriteLine(string.Join("\n", shown));
        Assert.NotEmpty(shown);
        Assert.Contains("THÉRÈSE réfléchit", shown[0].Indicator);
        var firstText = shown.FindIndex(s => !string.IsNullOrEmpty(s.Text));
        Assert.True(firstText > 0, "no text after the indicator");
        Assert.All(shown[..firstText], s => Assert.True(s.Indicator is not null && string.IsNullOrEmpty(s.Text), $"before the first word: {s}"));
        Assert.All(shown[firstText..], s => Assert.True(s.Indicator is null, $"the indicator is still there with the text: {s}"));
        Assert.Equal("streaming", shown[firstText].Status);
    });

    [Fact]
    public Task Text_grows_in_visible_steps_and_ends_exactly_as_sent_with_utf8_split_across_writes() => RunAsync(async () =>
    {
        const string answer =
            "Voilà la réponse de THÉRÈSE : le café de la mairie ouvre dès 8 h, " +
            "la trésorière prépare le procès-verbal ☕ et l’équipe fête Noël à l’hôtel 🇫🇷 " +
            "avec des crêpes, une bûche et beaucoup de cœur 👩‍💼 ! À bientôt, çà et là, naïve forêt 🥐✨.";
        await Page.AddInitScriptAsync(FrameRecorder);
        await OpenAsync();
        await SendAsync(Fake.Message(new { text = answer, tps = 15, ttft_ms = 200, split_utf8 = true }));

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        // Every text the page painted while the answer streamed, frame by frame.
        var steps = (await ShownAsync()).Where(s => s.Status == "streaming" && !string.IsNullOrEmpty(s.Text)).Select(s => s.Text!)
            .Distinct().ToList();

        Output.WriteLine($"{steps.Count} distinct visible states while streaming; lengths: {string.Join(", ", steps.Select(s => s.Length))}");
        Assert.True(steps.Count >= 5, $"the text should grow in several visible steps, saw {steps.Count}: {string.Join(" | ", steps)}");
        foreach (var step in steps)
        {
            Assert.DoesNotContain('\uFFFD', step); // a split UTF-8 sequence must never show as �
            Assert.True(answer.StartsWith(step, StringComparison.Ordinal), $"shown text is not a prefix of the answer: «{step}»");
        }
        for (var i = 1; i < steps.Count; i++) Assert.True(steps[i].Length > steps[i - 1].Length, "the text must only grow");

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

    private sealed class Shown
    {
        /// <summary>The thinking indicator's text, null when it is not shown.</summary>
        public string? Indicator { get; set; }
        public string? Text { get; set; }
        public string? Status { get; set; }
        public override string ToString() => $"indicator «{Indicator}», {Status}: «{Text}»";
    }
}
