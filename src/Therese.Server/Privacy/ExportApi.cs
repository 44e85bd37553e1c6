using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Accounts;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <summary>GET /api/conversations/{id}/export?format=md|docx|json: one conversation as a file named after its title.</summary>
public static class ExportApi
{
    public static IEndpointRouteBuilder MapExportApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/conversations/{id}/export", Export).WithTags("Conversations").WithName("ExportConversation")
            .WithSummary("The conversation as Markdown, Word or JSON (every part and version), named after its title.");
        return app;
    }

    private static async Task<IResult> Export(string id, string? format, IDbContextFactory<ThereseDb> dbs, CurrentUser user, TimeProvider clock, CancellationToken ct)
    {
        if (format is not ("md" or "docx" or "json"))
            return Problems.BadRequest("invalid_request", "Le format d’export doit être md (Markdown), docx (Word) ou json.");
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (await ConversationExport.LoadAsync(db, id, user.OwnerId, ct) is not var (conversation, messages)) return Problems.NotFound();
        var now = clock.GetUtcNow();
        var name = ExportFileName.From(conversation.Title, format);
        switch (format)
        {
            case "md":
                return TypedResults.File(new UTF8Encoding(false).GetBytes(MarkdownExport.Write(conversation, messages, now)), "text/markdown; charset=utf-8", name);
            case "json":
                return TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(ConversationExport.Of(conversation, messages, now), ConversationExport.Json),
                    "application/json; charset=utf-8", name);
            default:
                var docx = new MemoryStream();
                WordExport.Write(docx, conversation, messages, now);
                docx.Position = 0;
                return TypedResults.File(docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", name);
        }
    }
}
