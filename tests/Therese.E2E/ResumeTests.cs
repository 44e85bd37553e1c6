using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Therese.FakeLlm;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>Answers outlive the page: reload, a dropped network and a second tab all show the live answer.</summary>
public sealed partial class ResumeTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    [Fact]
    public Task A_reload_mid_answer_reattaches_to_the_live_answer_which_keeps_growing_to_its_end() => RunAsync(async () =>
    {
        const int tokens = 100;
        var full = FakeText.Text(tokens).Trim();
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens, tps = 20, ttft_ms = 0 }, "Une longue réponse"));
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(8).Trim());
        await Expect(Page).ToHaveURLAsync(ConversationUrl());

        await Page.ReloadAsync();
        // The text catches up at once, then keeps growing with the cursor.
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(Page.GetByTestId("streaming-cursor")).ToBeVisibleAsync();
        var caughtUp = await LastAnswerTextAsync();
        Assert.True(full.StartsWith(caughtUp, StringComparison.Ordinal), $"«{caughtUp}»");
        await Expect(LastContent).Not.ToHaveTextAsync(caughtUp);
        await Expect(Page.GetByTestId("stop-button")).ToBeVisibleAsync();

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 15_000 });
        Assert.Equal(full, await LastAnswerTextAsync());
        // The reload never stopped the model: one request, which ran to its end.
        var request = FakeLlm.Requests.Single();
        Assert.Equal("completed", request.Outcome);
        Assert.Equal(tokens, request.TokensSent);
    });

    [Fact]
    public Task Stop_after_a_reload_stops_the_model() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens = 400, tps = 20, ttft_ms = 0 }));
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(5).Trim());
        await Page.ReloadAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(10).Trim());

        await ClickStopAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        var request = await FakeLlm.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        Assert.True(request.TokensSent < 400);
        var shown = await LastAnswerTextAsync();
        await Task.Delay(500);
        Assert.Equal(shown, await LastAnswerTextAsync());

        await Page.ReloadAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        Assert.StartsWith(shown, await LastAnswerTextAsync(), StringComparison.Ordinal);
    });

    [Fact]
    public Task A_dropped_network_reconnects_by_itself_without_duplicating_text() => RunAsync(async () =>
    {
        const int tokens = 80;
        await using var network = new TcpRelay(new Uri(Host.BaseUrl));
        await Page.GotoAsync(network.BaseUrl + "/");
        await Expect(Input).ToBeVisibleAsync();
        await SendAsync(Fake.Message(new { tokens, tps = 20, ttft_ms = 0 }));
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(6).Trim());

        // The connection is lost, and stays lost for a second.
        network.Offline = true;
        network.Drop();
        await Expect(Page.GetByTestId("reconnecting")).ToHaveTextAsync("Reconnexion...");
        await Task.Delay(1000);
        network.Offline = false;

        await Expect(Page.GetByTestId("reconnecting")).ToHaveCountAsync(0);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 15_000 });
        Assert.Equal(FakeText.Text(tokens).Trim(), await LastAnswerTextAsync());
        Assert.Equal("completed", FakeLlm.Requests.Single().Outcome);
    });

    [Fact]
    public Task Two_tabs_show_the_same_live_answer_and_stop_in_either_stops_it_for_both() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(Fake.Message(new { text = "Première réponse.", tps = 50 }, "Premier message"));
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Page).ToHaveURLAsync(ConversationUrl());

        var other = await Context.NewPageAsync();
        await other.GotoAsync(Page.Url);
        await Expect(other.GetByTestId("message-assistant")).ToHaveCountAsync(1);

        await SendAsync(Fake.Message(new { tokens = 400, tps = 20, ttft_ms = 0 }, "Deuxième message"));
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(5).Trim());
        // The other tab shows the question and the answer as it is written, and cannot send meanwhile.
        var otherAnswer = other.GetByTestId("message-assistant").Last;
        await Expect(other.GetByTestId("message-user").Last).ToContainTextAsync("Deuxième message");
        await Expect(otherAnswer.GetByTestId("message-content")).ToContainTextAsync(FakeText.Text(8).Trim());
        await Expect(other.GetByTestId("send-button")).ToHaveCountAsync(0);

        await ClickStopAsync(other);
        await Expect(otherAnswer).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await FakeLlm.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        await other.CloseAsync();
    });

    [GeneratedRegex(@"/c/(?<id>[^/?#]+)$")]
    private static partial Regex ConversationUrl();
}
