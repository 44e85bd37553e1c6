using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Therese.Bench.Report;
using Therese.FakeLlm;
using Therese.Server.Conversations;
using Therese.Server.Storage;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

public sealed record StorageResult(int Pairs, Distribution NewStart, Distribution OldStart, Distribution NewRequestLeg, Distribution OldRequestLeg,
    Distribution NewFirst, Distribution OldFirst, int LockRuns, int LockMs, Distribution LockedFirst, Distribution LockedDone, int LockedIntact);

/// <summary>Section 4: what storage costs the first token: a 50-message history read, and writes forced to wait for a lock.</summary>
public static class StorageScenario
{
    private const string Directive = """{"tokens":5,"tps":0,"ttft_ms":0}""";
    private const int LockMs = 500;

    public static async Task<StorageResult> RunAsync(BenchContext ctx)
    {
        int pairs = ctx.Options.Quick ? 15 : 60, lockRuns = ctx.Options.Quick ? 2 : 5;
        ctx.Progress($"4. storage: {pairs} pairs new vs 50-message conversation, then {lockRuns} runs with the database write-locked");
        var seeded = await SeedAsync(ctx, pairs + 5);
        var newFirst = new List<double>(); var oldFirst = new List<double>(); var newStart = new List<double>(); var oldStart = new List<double>();
        var newReq = new List<double>(); var oldReq = new List<double>();
        for (var i = 0; i < pairs + 5; i++)
        {
            var measured = i >= 5;
            foreach (var existing in new[] { false, true })
            {
                ctx.Fake.ClearLog();
                await using var s = await ChatStreamReader.OpenAsync(ctx.Http, new { content = BenchContext.Message(Directive), conversation_id = existing ? seeded.Dequeue() : null });
                var st = await s.NextOfTypeAsync("start");
                var d = await s.NextOfTypeAsync("delta");
                await s.ReadToEndAsync();
                var r = ctx.Fake.Requests.Single();
                if (!measured) continue;
                (existing ? oldFirst : newFirst).Add(s.MsTo(d));
                (existing ? oldStart : newStart).Add(s.MsTo(st));
                (existing ? oldReq : newReq).Add((r.ReceivedAt - s.SentAt).TotalMilliseconds);
            }
        }

        // The database write-locked by another connection while an answer starts.
        var dbFile = Path.Combine(ctx.Host.DataDir, "therese.db");
        var lockFirst = new List<double>(); var lockDone = new List<double>(); var intact = 0;
        for (var i = 0; i < lockRuns; i++)
        {
            await using var locker = new SqliteConnection($"Data Source={dbFile};Pooling=False");
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync();
            }
            var lockedAt = Stopwatch.GetTimestamp();
            await using var s = await ChatStreamReader.OpenAsync(ctx.Http, new { content = BenchContext.Message("""{"tokens":20,"tps":0,"ttft_ms":0}""") });
            var d = await s.NextOfTypeAsync("delta");
            var release = Task.Run(async () =>
            {
                var left = TimeSpan.FromMilliseconds(LockMs) - Stopwatch.GetElapsedTime(lockedAt);
                if (left > TimeSpan.Zero) await Task.Delay(left);
                await using var commit = locker.CreateCommand();
                commit.CommandText = "COMMIT;";
                await commit.ExecuteNonQueryAsync();
            });
            var done = await s.NextOfTypeAsync("done");
            await s.ReadToEndAsync();
            await release;
            lockFirst.Add(s.MsTo(d));
            lockDone.Add(s.MsTo(done));
            if (s.Text == FakeText.Text(20)) intact++;
        }
        return new StorageResult(pairs, Distribution.Of(newStart), Distribution.Of(oldStart), Distribution.Of(newReq), Distribution.Of(oldReq),
            Distribution.Of(newFirst), Distribution.Of(oldFirst), lockRuns, LockMs, Distribution.Of(lockFirst), Distribution.Of(lockDone), intact);
    }

    private static async Task<Queue<string>> SeedAsync(BenchContext ctx, int count)
    {
        var dbs = ctx.Host.Services.GetRequiredService<IDbContextFactory<ThereseDb>>();
        var seeded = new Queue<string>();
        await using var db = await dbs.CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow.AddHours(-1);
        var filler = string.Concat(Enumerable.Repeat("Voici une phrase de conversation assez ordinaire, avec des accents : été, où, ça. ", 4));
        for (var c = 0; c < count; c++)
        {
            var id = Guid.CreateVersion7().ToString("N");
            db.Conversations.Add(new Conversation { Id = id, Title = $"Bench {c}", CreatedAt = now, UpdatedAt = now });
            for (var m = 1; m <= 50; m++)
                db.Messages.Add(new Message
                {
                    Id = Guid.CreateVersion7().ToString("N"), ConversationId = id, Role = m % 2 == 1 ? Roles.User : Roles.Assistant,
                    Content = filler, Status = MessageStatus.Complete, CreatedAt = now.AddSeconds(m), Position = m,
                });
            seeded.Enqueue(id);
        }
        await db.SaveChangesAsync();
        return seeded;
    }

    public static void Write(Md md, StorageResult r)
    {
        md.Line("## 4. Storage and the first token");
        md.Line();
        md.Line($"Same directive as in 1. {r.Pairs} alternating pairs after 5 warm-up pairs: a **new conversation** versus a message added to an");
        md.Line("**existing conversation of 50 saved messages** (a different, freshly seeded one each time, ~330 characters per message, read from SQLite");
        md.Line("and sent to the model as history).");
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.NewStart.Row("new conversation: `start` event"));
        md.Line(r.OldStart.Row("50-message conversation: `start` event"));
        md.Line(r.NewRequestLeg.Row("new conversation: client POST → fake received"));
        md.Line(r.OldRequestLeg.Row("50-message conversation: client POST → fake received"));
        md.Line(r.NewFirst.Row("new conversation: first `delta`"));
        md.Line(r.OldFirst.Row("50-message conversation: first `delta`"));
        md.Line();
        md.Line($"**Writes, forced slow**: {r.LockRuns} new-conversation answers (20 tokens) sent while another SQLite connection holds the database's");
        md.Line($"write lock (`BEGIN IMMEDIATE`) for {r.LockMs} ms, so every write THÉRÈSE attempts must wait.");
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.LockedFirst.Row($"write-locked {r.LockMs} ms: first `delta`"));
        md.Line(r.LockedDone.Row($"write-locked {r.LockMs} ms: `done` event"));
        md.Line();
        md.Line(r.LockedFirst.Max < r.LockMs / 2.0
            ? $"While the database could not be written, the first token still arrived in {Distribution.Ms(r.LockedFirst.P50)} ms (p50): no write is on the"
              + " first-token path. `done` waits for the writes by design (THÉRÈSE confirms the end only once it is saved)."
            : $"**The first token waited for the write lock** (p50 {Distribution.Ms(r.LockedFirst.P50)} ms): a write IS on the first-token path.");
        md.Line($"Text intact in {r.LockedIntact}/{r.LockRuns} runs. For an existing conversation the history read must happen before the model is called;");
        md.Line("the difference between the two first rows is that read plus the larger request.");
        md.Line();
    }
}
