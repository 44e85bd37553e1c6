using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Attachments;
using Therese.Server.Chat;
using Therese.Server.Privacy;
using Therese.Server.Storage;
using Therese.Server.Web;

namespace Therese.Server.Conversations;

public static class ConversationsApi
{
    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/conversations").WithTags("Conversations");
        api.MapGet("/", List).WithName("ListConversations").WithSummary("Conversations, most recently updated first, paged.");
        api.MapGet("/{id}", Get).WithName("GetConversation").WithSummary("A conversation with its shown messages.");
        api.MapPost("/", Create).WithName("CreateConversation");
        api.MapPatch("/{id}", Rename).WithName("RenameConversation");
        api.MapDelete("/{id}", Delete).WithName("DeleteConversation");
        api.MapGet("/{id}/messages/{messageId}/versions", Versions).WithName("ListVersions")
            .WithSummary("Every version of an answer (regenerate keeps them), oldest first.");
        api.MapPost("/{id}/messages/{messageId}/show", ShowVersion).WithName("ShowVersion")
            .WithSummary("Shows this version of an answer in the conversation (and to the model) instead of the others.");
        return app;
    }

    public sealed record Summary(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int MessageCount);
    public sealed record Page(IReadOnlyList<Summary> Items, string? NextCursor);
    /// <param name="EarlierCursor">Messages before these are on another page (<c>?before=</c>); null when these start the conversation.</param>
    public sealed record Details(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<MessageView> Messages, string? EarlierCursor);
    /// <param name="Content">The answer text alone, for clients that know only text.</param>
    /// <param name="Parts">Everything in order: reasoning, text (and later tool steps, attachments).</param>
    /// <param name="Reasoning">All the reasoning, or null when the model did not reason.</param>
    /// <param name="ReasoningMs">How long it reasoned in all, or null.</param>
    /// <param name="Attachments">A user message's files (also among its parts), for clients that read no parts.</param>
    public sealed record MessageView(
        string Id, string ConversationId, string Role, string Content, IReadOnlyList<MessagePart> Parts, string? Reasoning, long? ReasoningMs,
        string Status, string? StopReason, int? InputTokens, int? OutputTokens, DateTimeOffset CreatedAt, int VersionCount, int Version,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        IReadOnlyList<AttachmentSummary>? Attachments = null);

    public sealed record AttachmentSummary(string Id, string Name, string MediaType, long Size, string Kind);
    public sealed record VersionList(IReadOnlyList<MessageView> Versions);
    public sealed record TitleBody(string? Title);

    private static async Task<IResult> List(IDbContextFactory<ThereseDb> dbs, IOptions<LimitsOptions> limits, CurrentUser user, string? limit, string? cursor, string? q, CancellationToken ct)
    {
        var max = limits.Value.MaxConversationsPerPage;
        var size = limits.Value.DefaultConversationsPerPage;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > max))
            return Problems.BadRequest("invalid_request", $"Le paramètre limit doit être un nombre entier compris entre 1 et {FrenchText.Number(max)}.");

        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.Conversations.AsNoTracking().Where(c => c.OwnerId == user.OwnerId);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var pattern = "%" + Conversation.SearchKeyOf(q.Trim()).Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            query = query.Where(c => EF.Functions.Like(c.SearchKey, pattern, "\\"));
        }
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!TryParseCursor(cursor, out var updatedAt, out var afterId))
                return Problems.BadRequest("invalid_request", "Le curseur de pagination est invalide.");
            query = query.Where(c => c.UpdatedAt < updatedAt || (c.UpdatedAt == updatedAt && string.Compare(c.Id, afterId) < 0));
        }

        var rows = await query
            .OrderByDescending(c => c.UpdatedAt).ThenByDescending(c => c.Id)
            .Take(size + 1)
            .Select(c => new Summary(c.Id, c.Title, c.CreatedAt, c.UpdatedAt, c.Messages.Count(m => !m.Hidden)))
            .ToListAsync(ct);

        string? next = null;
        if (rows.Count > size)
        {
            rows.RemoveAt(size);
            var last = rows[^1];
            next = $"{last.UpdatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}.{last.Id}";
        }
        return TypedResults.Ok(new Page(rows, next));
    }

    private static bool TryParseCursor(string cursor, out DateTimeOffset updatedAt, out string id)
    {
        updatedAt = default;
        id = "";
        var dot = cursor.IndexOf('.');
        if (dot <= 0 || !long.TryParse(cursor.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
            return false;
        updatedAt = new DateTimeOffset(ticks, TimeSpan.Zero);
        id = cursor[(dot + 1)..];
        return id.Length > 0;
    }

    private static async Task<IResult> Get(string id, string? before, IDbContextFactory<ThereseDb> dbs, IOptions<LimitsOptions> limits, CurrentUser user, CancellationToken ct)
    {
        int? beforePosition = null;
        if (before is not null)
        {
            if (!int.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var position) || position < 1)
                return Problems.BadRequest("invalid_request", "Le curseur before est invalide : reprenez celui que donne earlier_cursor.");
            beforePosition = position;
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var details = await LoadAsync(db, id, user, beforePosition, limits.Value.MaxMessagesPerPage, ct);
        return details is null ? Problems.NotFound() : TypedResults.Ok(details);
    }

    /// <summary>The conversation with its last shown messages (before a position, when paging back), at most one page.</summary>
    private static async Task<Details?> LoadAsync(ThereseDb db, string id, CurrentUser user, int? before, int pageSize, CancellationToken ct)
    {
        // Someone else's conversation is not found, exactly like one that does not exist.
        var conversation = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.OwnerId == user.OwnerId, ct);
        if (conversation is null) return null;
        var shown = db.Messages.AsNoTracking().Where(m => m.ConversationId == id && !m.Hidden);
        if (before is { } b) shown = shown.Where(m => m.Position < b);
        var page = await shown.OrderByDescending(m => m.Position).Take(pageSize + 1).ToListAsync(ct);
        var more = page.Count > pageSize;
        if (more) page.RemoveAt(pageSize);
        page.Reverse();

        // Regenerated answers keep their older versions at the same position.
        var positions = page.Select(m => m.Position).ToList();
        var versions = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == id && positions.Contains(m.Position))
            .GroupBy(m => m.Position)
            .Select(g => new { Position = g.Key, Count = g.Count() })
            .ToDictionaryAsync(v => v.Position, v => v.Count, ct);
        var messages = page.Select(m => View(m, versions[m.Position])).ToList();
        var earlier = more ? page[0].Position.ToString(CultureInfo.InvariantCulture) : null;
        return new Details(conversation.Id, conversation.Title, conversation.CreatedAt, conversation.UpdatedAt, messages, earlier);
    }

    private static MessageView View(Message m, int versionCount)
    {
        var parts = m.AllParts();
        var reasoning = MessageParts.ReasoningMsOf(parts) is { } ms ? (Text: MessageParts.ReasoningOf(parts), Ms: (long?)ms) : (Text: null, Ms: null);
        IReadOnlyList<AttachmentSummary>? attachments = m.Role == Roles.User
            ? [.. parts.OfType<AttachmentPart>().Select(a => new AttachmentSummary(a.Id, a.Name, a.MediaType, a.Size, a.Kind))]
            : null;
        return new(m.Id, m.ConversationId, m.Role, m.Content, parts, reasoning.Text, reasoning.Ms, m.Status,
            m.StopReason, m.InputTokens, m.OutputTokens, m.CreatedAt, versionCount, m.Version, attachments);
    }

    private static async Task<IResult> Versions(string id, string messageId, IDbContextFactory<ThereseDb> dbs, CurrentUser user, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (!await OwnsAsync(db, id, user, ct)) return Problems.NotFound("Ce message n’existe pas, ou il a été supprimé.");
        var position = await db.Messages.Where(m => m.Id == messageId && m.ConversationId == id).Select(m => (int?)m.Position).SingleOrDefaultAsync(ct);
        if (position is null) return Problems.NotFound("Ce message n’existe pas, ou il a été supprimé.");
        var all = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == id && m.Position == position)
            .OrderBy(m => m.Version)
            .ToListAsync(ct);
        return TypedResults.Ok(new VersionList([.. all.Select(m => View(m, all.Count))]));
    }

    private static async Task<IResult> ShowVersion(string id, string messageId, IDbContextFactory<ThereseDb> dbs, AnswerRegistry answers,
        IOptions<LimitsOptions> limits, CurrentUser user, CancellationToken ct)
    {
        await using (var check = await dbs.CreateDbContextAsync(ct))
            if (!await OwnsAsync(check, id, user, ct)) return Problems.NotFound("Ce message n’existe pas, ou il a été supprimé.");
        // The shown versions are what the model reads next: not while an answer is being written.
        if (await answers.TryLockAsync(id) is not { } held)
            return Problems.Create(StatusCodes.Status409Conflict, "conversation_busy",
                "THÉRÈSE répond déjà dans cette conversation. Attendez la fin de la réponse avant de changer de version.");
        try
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var position = await db.Messages.Where(m => m.Id == messageId && m.ConversationId == id).Select(m => (int?)m.Position).SingleOrDefaultAsync(ct);
            if (position is null) return Problems.NotFound("Ce message n’existe pas, ou il a été supprimé.");
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.Messages.Where(m => m.ConversationId == id && m.Position == position)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.Hidden, m => m.Id != messageId), ct);
            await tx.CommitAsync(ct);
            return TypedResults.Ok(await LoadAsync(db, id, user, null, limits.Value.MaxMessagesPerPage, ct));
        }
        finally
        {
            held.Release();
        }
    }

    private static async Task<IResult> Create(HttpRequest http, IDbContextFactory<ThereseDb> dbs, TimeProvider clock, IOptions<JsonOptions> json, CurrentUser user, CancellationToken ct)
    {
        string title = "Nouvelle conversation";
        if (http.ContentLength is > 0 || http.Headers.TransferEncoding.Count > 0)
        {
            var (body, problem) = await JsonBody.ReadAsync<TitleBody>(http, json.Value.SerializerOptions);
            if (body is null) return problem!;
            if (body.Title is not null)
            {
                if (ValidTitle(body.Title) is not { } valid) return InvalidTitle();
                title = valid;
            }
        }

        var now = clock.GetUtcNow();
        var conversation = new Conversation { Id = Ids.New(), OwnerId = user.OwnerId, Title = title, CreatedAt = now, UpdatedAt = now };
        await using var db = await dbs.CreateDbContextAsync(ct);
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/conversations/{conversation.Id}",
            new Details(conversation.Id, conversation.Title, conversation.CreatedAt, conversation.UpdatedAt, [], null));
    }

    private static async Task<IResult> Rename(string id, HttpRequest http, IDbContextFactory<ThereseDb> dbs, IOptions<JsonOptions> json,
        IOptions<LimitsOptions> limits, CurrentUser user, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<TitleBody>(http, json.Value.SerializerOptions);
        if (body is null) return problem!;
        if (ValidTitle(body.Title) is not { } title) return InvalidTitle();

        await using var db = await dbs.CreateDbContextAsync(ct);
        var key = Conversation.SearchKeyOf(title);
        var renamed = await db.Conversations.Where(c => c.Id == id && c.OwnerId == user.OwnerId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Title, title).SetProperty(c => c.SearchKey, key), ct);
        if (renamed == 0) return Problems.NotFound();
        return TypedResults.Ok(await LoadAsync(db, id, user, null, limits.Value.MaxMessagesPerPage, ct));
    }

    private static async Task<IResult> Delete(string id, IDbContextFactory<ThereseDb> dbs, DataEraser eraser, CurrentUser user, CancellationToken ct)
    {
        await using (var db = await dbs.CreateDbContextAsync(ct))
            if (!await OwnsAsync(db, id, user, ct)) return Problems.NotFound();
        // Messages, versions, search rows, and their bytes in the database files (Privacy/DataEraser).
        if (await eraser.DeleteConversationsAsync([id], CancellationToken.None) == 0) return Problems.NotFound();
        return TypedResults.NoContent();
    }

    /// <summary>This person's conversation (team mode); any existing one in personal mode.</summary>
    public static Task<bool> OwnsAsync(ThereseDb db, string conversationId, CurrentUser user, CancellationToken ct) =>
        db.Conversations.AnyAsync(c => c.Id == conversationId && c.OwnerId == user.OwnerId, ct);

    private static string? ValidTitle(string? title)
    {
        var trimmed = title?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed.Length > 200 ? null : trimmed;
    }

    private static IResult InvalidTitle() =>
        Problems.BadRequest("invalid_request", "Le titre doit contenir entre 1 et 200 caractères.");
}
