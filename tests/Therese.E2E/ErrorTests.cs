using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Therese.FakeLlm;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>Provider failures show a French message, and « Réessayer » then brings a full answer.</summary>
public sealed class ErrorTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    private const string OverloadedMessage = "Le modèle est surchargé pour le moment. Réessayez dans quelques instants.";

    [Fact]
    public Task Provider_overloaded_529_shows_a_french_error_and_retry_gives_the_full_answer() => RunAsync(async () =>
    {
        const string answer = "Bonne nouvelle : THÉRÈSE répond enfin, après une petite attente ☕.";
        await OpenAsync();
        // The server retries twice before the first token (MaxRetries=2): three 529s reach the user.
        await SendAsync(Fake.Message(new { text = answer, status = 529, times = 3, tps = 50, ttft_ms = 50 }));

        var error = LastAssistant.GetByTestId("message-error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToHaveTextAsync(OverloadedMessage);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "error");
        Assert.Equal(3, FakeLlm.Requests.Count);
        Assert.All(FakeLlm.Requests, r => Assert.Equal(529, r.StatusCode));

        var retry = Page.GetByTestId("retry-button");
        await Expect(retry).ToHaveTextAsync("Réessayer");
        await retry.ClickAsync();

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(LastContent).ToHaveTextAsync(answer);
        Assert.Equal(answer, await LastAnswerTextAsync());
        await Expect(Page.GetByTestId("retry-button")).ToHaveCountAsync(0);
        Assert.Equal(4, FakeLlm.Requests.Count);
        LogRetryRequest();
    });

    [Fact]
    public Task Error_in_the_middle_of_the_stream_shows_a_french_error_and_retry_gives_the_full_answer() => RunAsync(async () =>
    {
        const int tokens = 40;
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens, error_after = 5, times = 1, tps = 40, ttft_ms = 50 }));

        var error = LastAssistant.GetByTestId("message-error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToHaveTextAsync(OverloadedMessage);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "error");
        // The five words that came before the error stay on screen.
        Assert.Equal(FakeText.Text(5).Trim(), await LastAnswerTextAsync());
        Assert.Equal("error_event", FakeLlm.Requests.Single().Outcome);

        await Page.GetByTestId("retry-button").ClickAsync();

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(LastContent).ToHaveTextAsync(FakeText.Text(tokens).Trim());
        await Expect(Page.GetByTestId("retry-button")).ToHaveCountAsync(0);
        Assert.Equal(2, FakeLlm.Requests.Count);
        LogRetryRequest();
    });

    private void LogRetryRequest()
    {
        var retried = FakeLlm.Requests[^1];
        Output.WriteLine($"the retried request carried {retried.Messages.Count} message(s): " +
                         string.Join(" | ", retried.Messages.Select(m => $"{m.Role}: {m.Content.Split('\n')[0]}")));
        // « Réessayer » asks the same question again, once: the failed attempt must not be sent twice.
        Assert.Equal(1, retried.Messages.Count(m => m.Role == "user"));
    }
}
