using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Therese.FakeLlm;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// Issue 5, conversation history: the sidebar lists, renames, searches and deletes conversations; a
/// conversation has its own address (reload, back, forward); a stopped answer comes back as it was and
/// « Continuer » carries it on; the whole history reaches the provider.
/// </summary>
public sealed partial class HistoryTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    private ILocator Items => Page.GetByTestId("conversation-item");
    private ILocator Item(string id) => Page.Locator($"[data-testid=conversation-item][data-conversation-id='{id}']");
    private ILocator UserMessages => Page.GetByTestId("message-user");

    [Fact]
    public Task Create_list_rename_search_and_delete_conversations() => RunAsync(async () =>
    {
        await DeleteAllConversationsAsync();
        const string firstQuestion = "Comment organiser la fête de l’école du quartier avec les parents d’élèves ?";
        const string secondQuestion = "Peux-tu me proposer un menu végétarien équilibré pour une semaine entière ?";
        await OpenAsync();
        await Expect(Items).ToHaveCountAsync(0);

        var first = await AskAsync(firstQuestion, "Commencez par réunir un petit comité.");
        await Expect(Items).ToHaveCountAsync(1);
        await Expect(Item(first)).ToHaveAttributeAsync("aria-current", "page");

        // « Nouvelle conversation »: an empty chat at `/`.
        await Page.GetByTestId("new-conversation").ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/$"));
        await Expect(UserMessages).ToHaveCountAsync(0);
        await Expect(Assistant).ToHaveCountAsync(0);
        await Expect(Page.Locator("[data-testid=conversation-item][aria-current=page]")).ToHaveCountAsync(0);

        var second = await AskAsync(secondQuestion, "Voici un menu varié pour sept jours.");

        // Most recent first; the title is the first 50 characters of the first message.
        await Expect(Items).ToHaveCountAsync(2);
        Assert.Equal([second, first], await ListedIdsAsync());
        await Expect(Items.Nth(0)).ToHaveTextAsync(TitleOf(secondQuestion));
        await Expect(Items.Nth(1)).ToHaveTextAsync(TitleOf(firstQuestion));
        await Expect(Item(second)).ToHaveAttributeAsync("aria-current", "page");
        Assert.Equal([(second, TitleOf(secondQuestion)), (first, TitleOf(firstQuestion))], await ServerListAsync());

        // Rename through the UI: the list shows it, the server has it, a reload keeps it.
        const string renamed = "Fête de l’école 2025 — organisation";
        await Item(first).HoverAsync();
        await Item(first).GetByTestId("rename-conversation").ClickAsync();
        var field = Item(first).GetByTestId("rename-input");
        await Expect(field).ToBeFocusedAsync();
        await Expect(field).ToHaveValueAsync(TitleOf(firstQuestion));
        await field.FillAsync(renamed);
        await field.PressAsync("Enter");
        await Expect(Item(first).GetByTestId("rename-input")).ToHaveCountAsync(0);
        await Expect(Item(first)).ToHaveTextAsync(renamed);
        await WaitForServerAsync(async () => (await ServerListAsync()).Contains((first, renamed)), "the server to have the new title");
        await Page.ReloadAsync();
        await Expect(Item(first)).ToHaveTextAsync(renamed);
        await Expect(Item(second)).ToHaveTextAsync(TitleOf(secondQuestion));

        // Search finds titles and what was written, ignoring case and accents; the list comes back when it is cleared.
        var search = Page.GetByTestId("conversation-search");
        var results = Page.GetByTestId("search-result");
        await search.FillAsync("école 2025");
        await Expect(results).ToHaveCountAsync(1);
        await Expect(results).ToHaveAttributeAsync("data-conversation-id", first);
        await Expect(results.Locator("mark")).ToHaveTextAsync(["école", "2025"]);
        await search.FillAsync("MENU VEGETARIEN");
        await Expect(results.First).ToHaveAttributeAsync("data-conversation-id", second);
        Assert.All(await results.EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.conversationId)"),
            id => Assert.Equal(second, id));
        await search.FillAsync("aucun titre ne contient ceci");
        await Expect(results).ToHaveCountAsync(0);
        await Expect(Page.GetByText("Aucun résultat pour cette recherche.")).ToBeVisibleAsync();
        await search.FillAsync("");
        await Expect(Items).ToHaveCountAsync(2);

        // Cancelling the confirmation deletes nothing.
        await Item(second).GetByTestId("delete-conversation").ClickAsync();
        var dialog = Page.GetByTestId("confirm-delete-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync(TitleOf(secondQuestion));
        await dialog.GetByTestId("cancel-delete").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(Items).ToHaveCountAsync(2);
        Assert.Equal(HttpStatusCode.OK, await ServerStatusAsync(second));

        // Deleting the open conversation after the confirmation: gone from the list and the server, back to `/`.
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{second}$"));
        await Item(second).GetByTestId("delete-conversation").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByTestId("confirm-delete").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(Item(second)).ToHaveCountAsync(0);
        await Expect(Items).ToHaveCountAsync(1);
        await Expect(Page).ToHaveURLAsync(new Regex("/$"));
        await Expect(UserMessages).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, await ServerStatusAsync(second));
        Assert.Equal(HttpStatusCode.OK, await ServerStatusAsync(first));
        await Page.ReloadAsync();
        await Expect(Items).ToHaveCountAsync(1);
        await Expect(Item(first)).ToHaveTextAsync(renamed);
    });

    [Fact]
    public Task Reopening_a_stopped_answer_from_the_sidebar_shows_the_partial_text_marked_stopped() => RunAsync(async () =>
    {
        const int tokens = 400;
        await OpenAsync();
        var other = await AskAsync("Une autre question", "Une autre réponse, complète.");
        await Page.GetByTestId("new-conversation").ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/$"));

        await SendAsync(Fake.Message(new { tokens, tps = 20, ttft_ms = 100 }, "Racontez l’histoire du quartier"));
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(6).Trim());
        await ClickStopAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        var shown = await LastAnswerTextAsync();
        await Expect(Page).ToHaveURLAsync(ConversationUrl());
        var stopped = ConversationUrl().Match(Page.Url).Groups["id"].Value;
        await FakeLlm.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        var saved = (await SavedMessagesAsync(stopped)).Last();
        Output.WriteLine($"{shown.Length} characters on screen at the Stop, {saved.Content.Length} saved ({saved.Status})");

        // Another conversation, then back to the stopped one, both from the sidebar (no page load).
        await Item(other).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{other}$"));
        await Expect(LastContent).ToHaveTextAsync("Une autre réponse, complète.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");

        await Item(stopped).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{stopped}$"));
        await Expect(UserMessages).ToHaveCountAsync(1);
        await Expect(UserMessages).ToContainTextAsync("Racontez l’histoire du quartier");
        await Expect(Assistant).ToHaveCountAsync(1);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(LastAssistant.GetByText("Réponse interrompue")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("continue-button")).ToBeVisibleAsync();
        await Expect(LastContent).ToHaveTextAsync(saved.Content.Trim());

        var reopened = await LastAnswerTextAsync();
        Assert.True(reopened.StartsWith(shown, StringComparison.Ordinal),
            $"the reopened answer lost text the user saw.\nshown:    «{shown}»\nreopened: «{reopened}»");
        Assert.Equal("stopped", saved.Status);
        Assert.StartsWith(reopened, FakeText.Text(tokens).Trim(), StringComparison.Ordinal);
        Assert.True(reopened.Length < FakeText.Text(tokens).Trim().Length, "the answer must have been stopped before its end");
    });

    [Fact]
    public Task Reload_keeps_the_address_and_the_messages_and_back_forward_show_the_right_conversation() => RunAsync(async () =>
    {
        await OpenAsync();
        var first = await AskAsync("Quelle heure est-il à Montréal ?", "Il est six heures de moins qu’à Paris.");
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{first}$"));
        await Page.GetByTestId("new-conversation").ClickAsync();
        var second = await AskAsync("Traduis « bonne nuit » en breton", "On dit « noz vat ».");

        await Page.ReloadAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{second}$"));
        await ExpectConversationAsync("Traduis « bonne nuit » en breton", "On dit « noz vat ».");

        await Page.GoBackAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{first}$"));
        await ExpectConversationAsync("Quelle heure est-il à Montréal ?", "Il est six heures de moins qu’à Paris.");
        await Expect(Item(first)).ToHaveAttributeAsync("aria-current", "page");

        await Page.GoForwardAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{second}$"));
        await ExpectConversationAsync("Traduis « bonne nuit » en breton", "On dit « noz vat ».");
        await Expect(Item(second)).ToHaveAttributeAsync("aria-current", "page");

        await Page.GoBackAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{first}$"));
        await ExpectConversationAsync("Quelle heure est-il à Montréal ?", "Il est six heures de moins qu’à Paris.");
        await Page.ReloadAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{first}$"));
        await ExpectConversationAsync("Quelle heure est-il à Montréal ?", "Il est six heures de moins qu’à Paris.");
    });

    [Fact]
    public Task Continue_after_a_stop_grows_the_same_answer_and_sends_the_partial_text_as_prefill() => RunAsync(async () =>
    {
        // The continuation replays the same script (the fake reads the last user message): keep it short.
        const int tokens = 150;
        var full = FakeText.Text(tokens).Trim();
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens, tps = 50, ttft_ms = 50 }, "Décrivez la Bretagne"));
        await Expect(LastContent).ToContainTextAsync(FakeText.Text(10).Trim());
        await ClickStopAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        var partial = await LastAnswerTextAsync();
        await FakeLlm.WaitForRequestAsync(r => r.DisconnectedAt is not null, TimeSpan.FromSeconds(5));
        Assert.True(partial.Length < full.Length, "the answer must have been stopped before its end");

        // The same message grows: it is the only answer, and its text keeps the partial text at its start.
        await Page.EvaluateAsync(
            """
            () => {
              window.__sameArticle = document.querySelector('[data-testid=message-assistant]');
              window.__textAlwaysStartedWithPartial = true;
              const partial = window.__sameArticle.querySelector('[data-testid=message-content]').textContent;
              new MutationObserver(() => {
                const now = document.querySelector('[data-testid=message-assistant] [data-testid=message-content]')?.textContent ?? '';
                if (!now.startsWith(partial)) window.__textAlwaysStartedWithPartial = false;
              }).observe(document.querySelector('[data-testid=message-list]'), { subtree: true, childList: true, characterData: true });
            }
            """);
        await Page.GetByTestId("continue-button").ClickAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(Assistant).ToHaveCountAsync(1);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 15_000 });
        await Expect(Assistant).ToHaveCountAsync(1);
        await Expect(LastAssistant.GetByText("Réponse interrompue")).ToHaveCountAsync(0);
        Assert.True(await Page.EvaluateAsync<bool>(
            "() => window.__sameArticle === document.querySelector('[data-testid=message-assistant]') && window.__sameArticle.isConnected"),
            "the continued answer must be the same message element, not a new one");
        Assert.True(await Page.EvaluateAsync<bool>("() => window.__textAlwaysStartedWithPartial"),
            "while continuing, the answer's text must always start with the partial text");

        var continued = await LastAnswerTextAsync();
        Assert.True(continued.StartsWith(partial, StringComparison.Ordinal) && continued.Length > partial.Length,
            $"the continued answer must grow from the partial text.\npartial:   «{partial}»\ncontinued: «{continued}»");
        Assert.EndsWith(FakeText.Text(tokens).TrimEnd(), continued, StringComparison.Ordinal);

        // The provider got the partial answer as the last assistant message (Anthropic prefill).
        var requests = FakeLlm.Requests;
        Assert.Equal(2, requests.Count);
        var last = requests[^1];
        Assert.Equal("completed", last.Outcome);
        var prefill = last.Messages[^1];
        Output.WriteLine($"partial {partial.Length} characters on screen; prefill {prefill.Content.Length} characters; " +
                         $"continuation request messages: {string.Join(", ", last.Messages.Select(m => m.Role))}");
        Assert.Equal("assistant", prefill.Role);
        Assert.Equal("user", last.Messages[^2].Role);
        Assert.True(prefill.Content.Trim().StartsWith(partial.Trim(), StringComparison.Ordinal),
            $"the prefill must hold the partial text.\npartial: «{partial}»\nprefill: «{prefill.Content}»");
        Assert.StartsWith(prefill.Content.Trim(), full, StringComparison.Ordinal);

        // The server saved the one answer, complete, with all its text.
        var id = ConversationUrl().Match(Page.Url).Groups["id"].Value;
        var saved = await SavedMessagesAsync(id);
        Assert.Equal(["user", "assistant"], saved.Select(m => m.Role));
        Assert.Equal("complete", saved[1].Status);
        Assert.Equal(continued, saved[1].Content.Trim());
    });

    [Fact]
    public Task Reopened_conversation_sends_its_whole_history_to_the_provider() => RunAsync(async () =>
    {
        var exchanges = new (string Question, string Answer)[]
        {
            ("Qui a écrit « Les Misérables » ?", "Victor Hugo, en 1862."),
            ("Et « Germinal » ?", "Émile Zola, en 1885 — un roman sur la mine."),
        };
        await OpenAsync();
        var sent = new List<string>();
        string? id = null;
        foreach (var (question, answer) in exchanges)
        {
            var message = Fake.Message(new { text = answer, tps = 0, ttft_ms = 0 }, question);
            sent.Add(message);
            id = await AskAsync(message, answer, isMessage: true);
        }

        // Reload on `/`, then open the conversation from the sidebar.
        await OpenAsync("/");
        await Expect(UserMessages).ToHaveCountAsync(0);
        await Item(id!).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex($"/c/{id}$"));
        await Expect(UserMessages).ToHaveCountAsync(2);
        await Expect(Assistant).ToHaveCountAsync(2);

        FakeLlm.ClearLog();
        var third = Fake.Message(new { text = "Alexandre Dumas.", tps = 0, ttft_ms = 0 }, "Et « Les Trois Mousquetaires » ?");
        await SendAsync(third);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Assistant).ToHaveCountAsync(3);
        await Expect(LastContent).ToHaveTextAsync("Alexandre Dumas.");

        var request = FakeLlm.Requests.Single();
        var expected = new List<(string Role, string Content)>
        {
            ("user", sent[0]), ("assistant", exchanges[0].Answer),
            ("user", sent[1]), ("assistant", exchanges[1].Answer),
            ("user", third),
        };
        var actual = request.Messages.Select(m => (m.Role, m.Content.Trim())).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(id, ConversationUrl().Match(Page.Url).Groups["id"].Value);
    });

    // ——— helpers ———

    /// <summary>Sends a question with a quick scripted answer, waits for it to be complete; returns the conversation id.</summary>
    private async Task<string> AskAsync(string question, string answer, bool isMessage = false)
    {
        var before = await Assistant.CountAsync();
        await SendAsync(isMessage ? question : Fake.Message(new { text = answer, tps = 0, ttft_ms = 0 }, question));
        await Expect(Assistant).ToHaveCountAsync(before + 1);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(LastContent).ToHaveTextAsync(answer);
        await Expect(Page).ToHaveURLAsync(ConversationUrl());
        var id = ConversationUrl().Match(Page.Url).Groups["id"].Value;
        await Expect(Item(id)).ToHaveCountAsync(1);
        return id;
    }

    private async Task ExpectConversationAsync(string question, string answer)
    {
        await Expect(UserMessages).ToHaveCountAsync(1);
        await Expect(UserMessages).ToContainTextAsync(question);
        await Expect(Assistant).ToHaveCountAsync(1);
        await Expect(LastContent).ToHaveTextAsync(answer);
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
    }

    private Task<string[]> ListedIdsAsync() =>
        Items.EvaluateAllAsync<string[]>("items => items.map((i) => i.getAttribute('data-conversation-id'))");

    /// <summary>The title the server gives a conversation: the first 50 characters of its first message, on one line.</summary>
    /// <summary>The title a person sees for a first message: up to 50 characters, a longer one cut after a whole word, with « … ».</summary>
    private static string TitleOf(string question) => question switch
    {
        "Peux-tu me proposer un menu végétarien équilibré pour une semaine entière ?" => "Peux-tu me proposer un menu végétarien équilibré…",
        "Comment organiser la fête de l’école du quartier avec les parents d’élèves ?" => "Comment organiser la fête de l’école du quartier…",
        _ when question.Length <= 50 => question,
        _ => throw new ArgumentException($"Say which title this question gets: {question}"),
    };

    private async Task DeleteAllConversationsAsync()
    {
        using var http = Host.CreateClient();
        foreach (var (id, _) in await ServerListAsync())
            (await http.DeleteAsync($"/api/conversations/{id}")).EnsureSuccessStatusCode();
    }

    private async Task<List<(string Id, string Title)>> ServerListAsync()
    {
        using var http = Host.CreateClient();
        var json = JsonDocument.Parse(await http.GetStringAsync("/api/conversations?limit=200")).RootElement;
        return [.. json.GetProperty("items").EnumerateArray().Select(c => (c.GetProperty("id").GetString()!, c.GetProperty("title").GetString()!))];
    }

    private async Task<HttpStatusCode> ServerStatusAsync(string id)
    {
        using var http = Host.CreateClient();
        using var response = await http.GetAsync($"/api/conversations/{id}");
        return response.StatusCode;
    }

    private sealed record SavedMessage(string Role, string Content, string Status);

    private async Task<List<SavedMessage>> SavedMessagesAsync(string id)
    {
        using var http = Host.CreateClient();
        var json = JsonDocument.Parse(await http.GetStringAsync($"/api/conversations/{id}")).RootElement;
        return [.. json.GetProperty("messages").EnumerateArray().Select(m => new SavedMessage(
            m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!, m.GetProperty("status").GetString()!))];
    }

    /// <summary>Polls the server (the UI may show a change a moment before its request has landed).</summary>
    private static async Task WaitForServerAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"/c/(?<id>[^/?#]+)$")]
    private static partial Regex ConversationUrl();
}
