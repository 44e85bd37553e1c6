using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Therese.Server.Conversations;
using Therese.Server.Storage;

namespace Therese.Tests.Privacy;

/// <summary>What the export, import and deletion tests share: conversations written straight into the database, and the API's view of them.</summary>
public abstract class PrivacyTest : ServerTest
{
    protected IDbContextFactory<ThereseDb> Dbs => Host.Services.GetRequiredService<IDbContextFactory<ThereseDb>>();

    protected static readonly DateTimeOffset Day = new(2025, 3, 14, 9, 30, 0, TimeSpan.Zero);

    /// <summary>
    /// A conversation as THÉRÈSE keeps them: a question, an answer that reasoned (signed, as Anthropic signs) and
    /// was regenerated (two versions, the first hidden), a second question, and an answer that was stopped.
    /// </summary>
    protected async Task<string> SeedAsync(string title = "Budget 2026 : fêtes, écoles", string? ownerId = null, DateTimeOffset? at = null, string answer = Table)
    {
        var t = at ?? Day;
        var id = Guid.CreateVersion7().ToString("N");
        await using var db = await Dbs.CreateDbContextAsync();
        db.Conversations.Add(new Conversation { Id = id, OwnerId = ownerId, Title = title, CreatedAt = t, UpdatedAt = t.AddMinutes(9) });
        Message M(string role, int position, int version, List<MessagePart>? parts, string content, string status = MessageStatus.Complete, bool hidden = false, int minute = 0) => new()
        {
            Id = Guid.CreateVersion7().ToString("N"), ConversationId = id, Role = role, Content = content, Parts = parts, Status = status,
            StopReason = role == Roles.Assistant ? (status == MessageStatus.Stopped ? "user_stopped" : "end_turn") : null,
            InputTokens = role == Roles.Assistant ? 120 : null, OutputTokens = role == Roles.Assistant ? 80 : null,
            CreatedAt = t.AddMinutes(minute), Position = position, Version = version, Hidden = hidden,
        };
        db.Messages.AddRange(
            M(Roles.User, 1, 1, null, "Prépare le budget de la fête, avec un tableau."),
            M(Roles.Assistant, 2, 1, null, "Première version, remplacée.", hidden: true, minute: 1),
            M(Roles.Assistant, 2, 2, [new ReasoningPart("Je compte les postes un à un.", 2300) { Origin = new ReasoningOrigin("anthropic", "signature-secrete") }, new TextPart(answer)],
                answer, minute: 2),
            M(Roles.User, 3, 1, null, "Et le code pour le calculer ?", minute: 8),
            M(Roles.Assistant, 4, 1, null, "```python\ntotal = 1200 + 300\n```\nJe m’arrête", MessageStatus.Stopped, minute: 9));
        await db.SaveChangesAsync();
        return id;
    }

    protected const string Table = """
        ## Budget prévisionnel

        Voici **le budget** de la *fête* :

        | Poste | Montant |
        | --- | ---: |
        | Salle | 1 200 € |
        | Musique | 300 € |

        - location de la salle
        - buvette
          1. boissons
          2. gâteaux

        > Pensez à la [mairie](https://mairie.example.fr) et à [ceci](javascript:alert(1)).

        ```csharp
        var total = 1200 + 300;
        Console.WriteLine(total);
        ```
        <script>alert("x")</script>
        """;

    /// <summary>The conversation as the API shows it, with every version of every answer.</summary>
    protected async Task<string> SnapshotAsync(string id, HttpClient? http = null)
    {
        http ??= Http;
        var conversation = await http.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}");
        var versions = new List<JsonElement>();
        foreach (var m in conversation.GetProperty("messages").EnumerateArray())
            versions.Add((await http.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}/messages/{m.GetProperty("id").GetString()}/versions")).GetProperty("versions"));
        return JsonSerializer.Serialize(new { conversation, versions });
    }

    protected async Task<HttpResponseMessage> ImportAsync(byte[] file, string name = "export.json", HttpClient? http = null)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(name.EndsWith(".zip") ? "application/zip" : "application/json");
        form.Add(content, "file", name);
        return await (http ?? Http).PostAsync("/api/import", form);
    }

    protected static async Task<JsonElement> OkJson(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    protected static async Task<string> ProblemCode(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        AssertFrench(problem.GetProperty("detail").GetString()!);
        return problem.GetProperty("code").GetString()!;
    }
}
