using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Accounts;

/// <summary>Tokens used per person and day, counted from each answer's own usage; and what is left of a monthly budget.</summary>
public sealed class UsageLedger(IDbContextFactory<ThereseDb> dbs, TimeProvider clock)
{
    /// <summary>
    /// Adds one answer's tokens to today's line (inside the writer's transaction), in one statement: several
    /// instances may end answers of the same person at the same moment. INSERT … ON CONFLICT DO UPDATE is the
    /// same in SQLite and PostgreSQL; the names come from the EF model.
    /// </summary>
    public async Task RecordAsync(ThereseDb db, string userId, long inputTokens, long outputTokens)
    {
        var day = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var entity = db.Model.FindEntityType(typeof(UsageDay))!;
        var table = entity.GetTableName();
        string Column(string property) => "\"" + entity.FindProperty(property)!.GetColumnName() + "\"";
        string Add(string property) => $"{Column(property)} = \"{table}\".{Column(property)} + excluded.{Column(property)}";
        var sql =
            $"INSERT INTO \"{table}\" ({Column(nameof(UsageDay.UserId))}, {Column(nameof(UsageDay.Day))}, {Column(nameof(UsageDay.InputTokens))}, " +
            $"{Column(nameof(UsageDay.OutputTokens))}, {Column(nameof(UsageDay.Answers))}) VALUES ({{0}}, {{1}}, {{2}}, {{3}}, 1) " +
            $"ON CONFLICT ({Column(nameof(UsageDay.UserId))}, {Column(nameof(UsageDay.Day))}) DO UPDATE SET " +
            $"{Add(nameof(UsageDay.InputTokens))}, {Add(nameof(UsageDay.OutputTokens))}, {Add(nameof(UsageDay.Answers))}";
        await db.Database.ExecuteSqlRawAsync(sql, userId, day, inputTokens, outputTokens);
    }

    /// <summary>This person has a monthly budget and has used it up.</summary>
    public async Task<bool> BudgetSpentAsync(CurrentUser person, CancellationToken ct) =>
        person is { OwnerId: { } id, MonthlyTokenBudget: { } limit } && await UsedThisMonthAsync(id, ct) >= limit;

    /// <summary>Tokens (in and out) this person used this calendar month (UTC).</summary>
    public async Task<long> UsedThisMonthAsync(string userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var first = new DateOnly(now.Year, now.Month, 1);
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Usage.Where(u => u.UserId == userId && u.Day >= first).SumAsync(u => u.InputTokens + u.OutputTokens, ct);
    }
}
