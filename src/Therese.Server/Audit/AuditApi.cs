using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Accounts;
using Therese.Server.Storage;

namespace Therese.Server.Audit;

/// <summary>GET /api/audit: the administrators' actions, newest first, paged; and the whole trail as CSV.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/audit").WithTags("Audit").AddEndpointFilter(UsersApi.AdminOnly);
        audit.MapGet("/", List).WithName("ListAudit").WithSummary("Admin actions, newest first; ?cursor= for older ones.");
        audit.MapGet("/export", Export).WithName("ExportAudit").WithSummary("The whole audit trail as CSV (semicolons, UTF-8).");
        return app;
    }

    public sealed record EntryView(long Id, DateTimeOffset At, string? ActorId, string ActorEmail, string Action,
        string? TargetId, string? TargetLabel, string? Detail, string? Address);
    public sealed record Page(IReadOnlyList<EntryView> Items, string? NextCursor);

    private static EntryView View(AuditEntry e) => new(e.Id, e.At, e.ActorId, e.ActorEmail, e.Action, e.TargetId, e.TargetLabel, e.Detail, e.Address);

    private static async Task<IResult> List(IDbContextFactory<ThereseDb> dbs, string? limit, string? cursor, CancellationToken ct)
    {
        var size = 50;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 200))
            return Problems.BadRequest("invalid_request", "Le paramètre limit doit être un nombre entier compris entre 1 et 200.");
        long? before = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                return Problems.BadRequest("invalid_request", "Le curseur de pagination est invalide.");
            before = id;
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.Audit.AsNoTracking();
        if (before is { } b) query = query.Where(e => e.Id < b);
        var rows = await query.OrderByDescending(e => e.Id).Take(size + 1).ToListAsync(ct);
        string? next = null;
        if (rows.Count > size)
        {
            rows.RemoveAt(size);
            next = rows[^1].Id.ToString(CultureInfo.InvariantCulture);
        }
        return TypedResults.Ok(new Page([.. rows.Select(View)], next));
    }

    /// <summary>
    /// Streamed row by row. Semicolons and a byte order mark, as a French spreadsheet opens it; a cell that a
    /// spreadsheet would read as a formula (=, +, -, @) is prefixed with an apostrophe.
    /// </summary>
    private static async Task Export(HttpContext http, IDbContextFactory<ThereseDb> dbs, AuditTrail audit, TimeProvider clock)
    {
        await audit.RecordAsync(http, AuditActions.AuditExported);
        var name = $"therese-journal-{clock.GetUtcNow():yyyy-MM-dd}.csv";
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        var ct = http.RequestAborted;
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 16 * 1024);
        await writer.WriteAsync("date;personne;action;cible;détail;adresse\r\n");
        await using var db = await dbs.CreateDbContextAsync(ct);
        await foreach (var e in db.Audit.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            await writer.WriteAsync(string.Join(';',
                Cell(e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                Cell(e.ActorId is null ? "THÉRÈSE" : e.ActorEmail), Cell(e.Action),
                Cell(e.TargetLabel ?? e.TargetId), Cell(e.Detail), Cell(e.Address)) + "\r\n");
        }
    }

    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.IndexOfAny([';', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
