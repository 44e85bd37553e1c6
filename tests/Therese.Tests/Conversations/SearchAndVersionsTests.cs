using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Therese.Tests.Conversations;

/// <summary>Search inside conversations (titles and messages, FTS5), browsing versions, titles cut on a word.</summary>
public sealed class SearchAndVersionsTests : ServerTest
{
    private async Task<(string ConversationId, string MessageId)> Ask(string question, string answer, string? conversationId = null)
    {
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Chat.Directive.Message(new { text = answer, tps = 0 }, question), conversation_id = conversationId });
        await stream.ReadToEndAsync();
        return (stream.ConversationId!, stream.MessageId!);
    }

    private async Task<JsonElement> Search(string q) =>
        (await Http.GetFromJsonAsync<JsonElement>($"/api/search?q={Uri.EscapeDataString(q)}")).GetProperty("results");

    [Fact]
    public async Task A_word_found_only_in_an_answer_is_found_without_regard_to_case_or_accents_with_its_passage()
    {
        var (budget, answerId) = await Ask("Comment préparer le budget ?", "Prévoyez une réserve pour la fête de l’été et le matériel de la salle polyvalente.");
        await Ask("Une lettre aux adhérents", "Chers adhérents, voici les nouvelles de l’association.");

        var hits = await Search("ETE SALLE");
        var hit = Assert.Single(hits.EnumerateArray());
        Assert.Equal(budget, hit.GetProperty("conversation_id").GetString());
        Assert.Equal(answerId, hit.GetProperty("message_id").GetString());
        Assert.Equal("assistant", hit.GetProperty("role").GetString());
        Assert.StartsWith("Comment préparer le budget ?", hit.GetProperty("title").GetString());
        var snippet = hit.GetProperty("snippet").GetString()!;
        Assert.Contains("\u0002été\u0003", snippet);
        Assert.Contains("\u0002salle\u0003", snippet);

        // Titles are found too; a word nowhere is not; operators cannot be injected.
        Assert.Contains((await Search("adherents")).EnumerateArray(), h => h.GetProperty("message_id").ValueKind == JsonValueKind.Null);
        Assert.Empty((await Search("introuvable")).EnumerateArray());
        Assert.Empty((await Search("\" OR NEAR( * -")).EnumerateArray());
        using var empty = await Http.GetAsync("/api/search?q=%20");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task An_answer_is_searchable_once_it_ends_and_a_deleted_conversation_is_not()
    {
        var (id, _) = await Ask("Question", "Réponse contenant chrysanthème.");
        Assert.Single((await Search("chrysantheme")).EnumerateArray());
        await Http.DeleteAsync($"/api/conversations/{id}");
        Assert.Empty((await Search("chrysantheme")).EnumerateArray());
    }

    [Fact]
    public async Task Versions_of_an_answer_can_be_listed_and_shown_and_the_model_then_reads_the_one_shown()
    {
        var (id, first) = await Ask("Donne un titre", "Premier titre.");
        await using (var again = await ChatStreamReader.OpenAsync(Http, new { conversation_id = id, action = "regenerate" }))
            await again.ReadToEndAsync();

        var conversation = await GetConversation(id);
        var shown = LastAnswer(conversation);
        Assert.Equal((2, 2), (shown.GetProperty("version").GetInt32(), shown.GetProperty("version_count").GetInt32()));

        var versions = (await Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}/messages/{first}/versions")).GetProperty("versions");
        Assert.Equal([1, 2], versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal("Premier titre.", versions[0].GetProperty("content").GetString());

        using var show = await Http.PostAsync($"/api/conversations/{id}/messages/{first}/show", null);
        Assert.Equal(HttpStatusCode.OK, show.StatusCode);
        Assert.Equal(first, LastAnswer(await GetConversation(id)).GetProperty("id").GetString());

        await Ask("Et ensuite ?", "Suite.", id);
        Assert.Equal("Premier titre.", Host.Fake.Requests[^1].Messages[1].Content);

        using var unknown = await Http.GetAsync($"/api/conversations/{id}/messages/inconnu/versions");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("Comment organiser la fête de l’école du quartier avec les parents d’élèves ?", "Comment organiser la fête de l’école du quartier…")]
    [InlineData("Bonjour", "Bonjour")]
    [InlineData("Budget 2026 de la mairie : fêtes, écoles, voiries", "Budget 2026 de la mairie : fêtes, écoles, voiries")]
    [InlineData("Budget 2026 de la mairie : fêtes, écoles et voiries", "Budget 2026 de la mairie : fêtes, écoles et…")]
    [InlineData("Anticonstitutionnellementinterminablementincompréhensiblement long", "Anticonstitutionnellementinterminablementincompréh…")]
    public async Task A_long_first_message_gives_a_title_cut_on_a_word_with_an_ellipsis(string question, string title)
    {
        // The question alone (no script line): the answer is stopped as soon as it has a name.
        await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = question });
        await stream.NextOfTypeAsync("start");
        Assert.Equal(title, stream.Received[0].Json.GetProperty("conversation_title").GetString());
        using var stop = await Http.PostAsync($"/api/chat/stream/{stream.MessageId}/stop", null);
        Assert.Equal(title, (await GetConversation(stream.ConversationId!)).GetProperty("title").GetString());
    }
}
