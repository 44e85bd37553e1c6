using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Accounts;

/// <summary>GET /api/usage?month=YYYY-MM: tokens per person for a month, for the admin.</summary>
public static class UsageApi
{
    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/usage", Get).WithTags("Accounts").WithName("Usage").AddEndpointFilter(UsersApi.AdminOnly)
            .WithSummary("Tokens in and out per person for a month (default: this one).");
        return app;
    }

    public sealed record PersonUsage(string UserId, string Email, string Name, long InputTokens, long OutputTokens, int Answers, long? MonthlyTokenBudget);
    public sealed record MonthUsage(string Month, IReadOnlyList<PersonUsage> People, long InputTokens, long OutputTokens);

    private static async Task<IResult> Get(string? month, IDbContextFactory<ThereseDb> dbs, TimeProvider clock, CancellationToken ct)
    {
        var first = new DateOnly(clock.GetUtcNow().Year, clock.GetUtcNow().Month, 1);
        if (!string.IsNullOrEmpty(month))
        {
            if (!DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out first))
                return Problems.BadRequest("invalid_month", "Le mois doit s’écrire AAAA-MM, par exemple 2026-11.");
        }
        var next = first.AddMonths(1);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Usage.AsNoTracking().Where(u => u.Day >= first && u.Day < next)
            .GroupBy(u => u.UserId)
            .Select(g => new { UserId = g.Key, In = g.Sum(u => u.InputTokens), Out = g.Sum(u => u.OutputTokens), Answers = g.Sum(u => u.Answers) })
            .ToListAsync(ct);
        var people = await db.Users.AsNoTracking().ToDictionaryAsync(u => u.Id, ct);
        var list = people.Values
            .Select(p => rows.FirstOrDefault(r => r.UserId == p.Id) is { } r
                ? new PersonUsage(p.Id, p.Email ?? "", p.DisplayName, r.In, r.Out, r.Answers, p.MonthlyTokenBudget)
                : new PersonUsage(p.Id, p.Email ?? "", p.DisplayName, 0, 0, 0, p.MonthlyTokenBudget))
            .Concat(rows.Where(r => !people.ContainsKey(r.UserId))
                .Select(r => new PersonUsage(r.UserId, "", "(personne supprimée)", r.In, r.Out, r.Answers, null)))
            .OrderByDescending(p => p.InputTokens + p.OutputTokens).ThenBy(p => p.Name)
            .ToList();
        return TypedResults.Ok(new MonthUsage(first.ToString("yyyy-MM", CultureInfo.InvariantCulture), list,
            list.Sum(p => p.InputTokens), list.Sum(p => p.OutputTokens)));
    }
}
