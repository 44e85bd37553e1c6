using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Accounts;

/// <summary>Tokens used per person and day, counted from each answer's own usage; and what is left of a monthly budget.</summary>
public sealed class UsageLedger(IDbContextFactory<ThereseDb> dbs, TimeProvider clock)
{
    /// <summary>Adds one answer's tokens to today's line (inside the writer's transaction).</summary>
    public async Task RecordAsync(ThereseDb db, string userId, long inputTokens, long outputTokens)
    {
        var day = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var updated = await db.Usage.Where(u => u.UserId == userId && u.Day == day).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.InputTokens, u => u.InputTokens + inputTokens)
            .SetProperty(u => u.OutputTokens, u => u.OutputTokens + outputTokens)
            .SetProperty(u => u.Answers, u => u.Answers + 1));
        if (updated == 0)
        {
            db.Usage.Add(new UsageDay { UserId = userId, Day = day, InputTokens = inputTokens, OutputTokens = outputTokens, Answers = 1 });
            await db.SaveChangesAsync();
        }
    }

    /// <summary>This person has a monthly budget and has used it up.</summary>
    public async Task<bool> BudgetSpentAsync(string userId, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var budget = await db.Users.Where(u => u.Id == userId).Select(u => u.MonthlyTokenBudget).SingleOrDefaultAsync(ct);
        return budget is { } limit && await UsedThisMonthAsync(userId, ct) >= limit;
    }

    /// <summary>Tokens (in and out) this person used this calendar month (UTC).</summary>
    public async Task<long> UsedThisMonthAsync(string userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var first = new DateOnly(now.Year, now.Month, 1);
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Usage.Where(u => u.UserId == userId && u.Day >= first).SumAsync(u => u.InputTokens + u.OutputTokens, ct);
    }
}
