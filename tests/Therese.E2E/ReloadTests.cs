using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Therese.FakeLlm;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>Nothing the user saw is lost: a stopped answer survives a page reload, marked stopped.</summary>
public sealed partial class ReloadTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    [Fact]
    public Task Stopped_answer_is_still_there_after_a_reload_marked_stopped() => RunAsync(async () =>
    {
        const int tokens = 400;
        var question = Fake.Message(new { tokens, tps = 20, ttft_ms = 100 }, "Présentez l’association");
        await OpenAsync();
        await SendAsync(question);
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(6).Trim());

        await ClickStopAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        var shown = await LastAnswerTextAsync();

        // The conversation has its own address, so a reload comes back to it.
        await Expect(Page).ToHaveURLAsync(ConversationUrl());
        var id = ConversationUrl().Match(Page.Url).Groups["id"].Value;
        Output.WriteLine($"conversation {id}, {shown.Length} characters shown when stopped");

        // What the server saved (for the diagnosis when the page disagrees).
        await FakeLlm.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        var saved = await SavedAssistantAsync(id);
        Output.WriteLine($"server: status {saved.GetProperty("status")}, {saved.GetProperty("content").GetString()!.Length} characters");

        await Page.ReloadAsync();
        await Expect(Page).ToHaveURLAsync(ConversationUrl());
        await Expect(Page.GetByTestId("message-user")).ToHaveCountAsync(1);
        await Expect(Page.GetByTestId("message-user")).ToContainTextAsync("Présentez l’association");
        await Expect(Assistant).ToHaveCountAsync(1);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(LastAssistant.GetByText("Réponse interrompue")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("streaming-cursor")).ToHaveCountAsync(0);

        // Everything that was on screen is still there (the server may have kept a word that was in flight).
        var reloaded = await LastAnswerTextAsync();
        Assert.True(reloaded.StartsWith(shown, StringComparison.Ordinal),
            $"after the reload the answer lost text the user saw.\nshown:    «{shown}»\nreloaded: «{reloaded}»");
        Assert.StartsWith(reloaded, FakeText.Text(tokens).Trim(), StringComparison.Ordinal);
    });

    private async Task<JsonElement> SavedAssistantAsync(string id)
    {
        using var http = Host.CreateClient();
        using var response = await http.GetAsync($"/api/conversations/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var conversation = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return conversation.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "assistant");
    }

    [GeneratedRegex(@"/c/(?<id>[^/?#]+)$")]
    private static partial Regex ConversationUrl();
}
