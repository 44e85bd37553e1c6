using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Storage;

namespace Therese.Server.Audit;

/// <summary>
/// Writes the audit trail of a team THÉRÈSE. Personal mode has one person and no administrator: nothing is recorded.
/// Callers pass names, ids and counts; what people wrote (messages, titles, prompts, keys) never comes here.
/// </summary>
public sealed class AuditTrail(IDbContextFactory<ThereseDb> dbs, TimeProvider clock, IOptions<TeamOptions> team)
{
    public bool Enabled => team.Value.IsTeam;

    /// <summary>Records what the signed-in person just did, from their address.</summary>
    public async Task RecordAsync(HttpContext http, string action, string? targetId = null, string? targetLabel = null, string? detail = null)
    {
        if (!Enabled) return;
        var actor = CurrentUser.From(http).OwnerId;
        await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
        var email = actor is null ? "" : await db.Users.Where(u => u.Id == actor).Select(u => u.Email).SingleOrDefaultAsync() ?? "";
        db.Audit.Add(new AuditEntry
        {
            At = clock.GetUtcNow(),
            ActorId = actor,
            ActorEmail = email,
            Action = action,
            TargetId = Cut(targetId, 256),
            TargetLabel = Cut(targetLabel, 256),
            Detail = Cut(detail, 1000),
            Address = http.Connection.RemoteIpAddress?.ToString(),
        });
        // The action is done: recording it must not be cancelled with the request.
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>Records what THÉRÈSE did on its own (a retention run).</summary>
    public async Task RecordSystemAsync(string action, string? detail)
    {
        if (!Enabled) return;
        await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
        db.Audit.Add(new AuditEntry { At = clock.GetUtcNow(), Action = action, Detail = Cut(detail, 1000) });
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private static string? Cut(string? text, int max) => text is { Length: > 0 } t && t.Length > max ? t[..max] : text;
}
