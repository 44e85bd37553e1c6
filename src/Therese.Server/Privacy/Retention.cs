using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Audit;
using Therese.Server.Settings;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <summary>
/// Team mode: conversations with no activity for <c>retention_days</c> days are deleted, by the same deletion as
/// the person's own, once a day. Off until an admin sets it. With several instances, the first to claim the day
/// runs it (a conditional update of one settings row), the others skip it.
/// </summary>
public sealed class Retention(IDbContextFactory<ThereseDb> dbs, DataEraser eraser, AuditTrail audit, TimeProvider clock,
    IOptions<TeamOptions> team, ILogger<Retention> logger) : BackgroundService
{
    public const string DaysKey = "retention_days";
    private const string LastRunKey = "retention_last_run";

    /// <summary>How often the job looks whether a day has passed since its last run.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromHours(1);

    public async Task<int?> DaysAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var value = await db.Settings.AsNoTracking().Where(s => s.Key == DaysKey).Select(s => s.Value).SingleOrDefaultAsync(ct);
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days > 0 ? days : null;
    }

    public async Task SetDaysAsync(int? days, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var row = await db.Settings.SingleOrDefaultAsync(s => s.Key == DaysKey, ct);
        var value = days?.ToString(CultureInfo.InvariantCulture);
        if (row is null) db.Settings.Add(new Setting { Key = DaysKey, Value = value });
        else row.Value = value;
        await db.SaveChangesAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!team.Value.IsTeam) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunIfDueAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "The retention run failed; it is tried again in an hour");
            }
            try
            {
                await Task.Delay(CheckEvery, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs the deletion when it is on and its last run is a day old or more. Returns how many conversations went, or null when it did not run.</summary>
    public async Task<int?> RunIfDueAsync(CancellationToken ct)
    {
        if (await DaysAsync(ct) is not { } days) return null;
        var now = clock.GetUtcNow();
        if (!await ClaimAsync(now, ct)) return null;

        var before = now.AddDays(-days);
        List<string> ids;
        await using (var db = await dbs.CreateDbContextAsync(ct))
            ids = await db.Conversations.Where(c => c.UpdatedAt < before).Select(c => c.Id).ToListAsync(ct);
        var count = await eraser.DeleteConversationsAsync(ids, ct);
        logger.LogInformation("Retention: {Count} conversation(s) with no activity for {Days} days deleted", count, days);
        await audit.RecordSystemAsync(AuditActions.RetentionRun, $"{count} conversation(s) sans activité depuis {days} jours supprimée(s)");
        return count;
    }

    /// <summary>Takes today's run for this instance: true when no run happened in the last day.</summary>
    private async Task<bool> ClaimAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var stamp = now.UtcTicks.ToString(CultureInfo.InvariantCulture);
        var last = await db.Settings.AsNoTracking().Where(s => s.Key == LastRunKey).Select(s => s.Value).SingleOrDefaultAsync(ct);
        if (last is null)
        {
            db.Settings.Add(new Setting { Key = LastRunKey, Value = stamp });
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateException)
            {
                return false; // another instance claimed the first run
            }
        }
        if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) ticks = 0;
        if (now.UtcTicks - ticks < TimeSpan.TicksPerDay) return false;
        // Only one instance changes the row from the value it read.
        return await db.Settings.Where(s => s.Key == LastRunKey && s.Value == last)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Value, stamp), ct) == 1;
    }
}
