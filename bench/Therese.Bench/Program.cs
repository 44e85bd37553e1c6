using Therese.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Anthropic;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Therese.FakeLlm;
using Therese.Server.Conversations;
using Therese.Server.Llm;
using Therese.Server.Storage;

namespace Therese.Bench;

/// <summary>Entry point (not top-level statements: the server's own Program must stay the only one).</summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var quick = args.Contains("--quick");
        var browserWanted = !args.Contains("--no-browser");
        var total = Stopwatch.StartNew();
        var md = new StringBuilder();
        void Line(string s = "") { md.AppendLine(s); Console.WriteLine(s); }
        void Progress(string s) => Console.Error.WriteLine($"[bench {total.Elapsed.TotalSeconds,6:0.0}s] {s}");
        static string Ms(double v) => Stats.Ms(v);
        static string Content(string directive) => $"Mesure {Guid.NewGuid():N}\n::fake {directive}";

        // Iteration counts: default (full) / --quick.
        int ttftWarm = quick ? 10 : 30, ttftN = quick ? 50 : 300;
        int relayRuns = quick ? 3 : 10;
        int stopRuns = quick ? 8 : 30;
        int storageN = quick ? 15 : 60, lockRuns = quick ? 2 : 5;
        int longRuns = quick ? 1 : 3;
        int[] browserSizes = quick ? [2000] : [5000, 10000];

        Progress("starting the fake provider and THÉRÈSE (Kestrel, loopback, temp data folder)");
        // The server as THÉRÈSE runs on its own (Production), with MaxTokens large enough for 10,000 tokens, no
        // retries, and Warning logs so that per-request lines do not end up in the report.
        await using var host = await ThereseHost.StartAsync("anthropic", new Dictionary<string, string?>
        {
            ["Therese:Llm:MaxTokens"] = "16000",
            ["Therese:Llm:MaxRetries"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        }, production: true);
        var fake = host.Fake;
        using var http = host.CreateClient();
        var direct = new AnthropicClient(new Anthropic.Core.ClientOptions
        {
            ApiKey = "k",
            BaseUrl = fake.BaseUrl,
            MaxRetries = 0,
            // The same HttpClient settings THÉRÈSE uses for its provider (no response draining), so (a) and (b) differ only by THÉRÈSE.
            HttpClient = ProviderHttp.Create(),
        }).AsIChatClient("fake-model", 16000);

        // ---------------------------------------------------------------- report header
        Line("# THÉRÈSE streaming benchmark");
        Line();
        Line($"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, mode `{(quick ? "--quick" : "default")}`, command `dotnet run -c Release --project bench/Therese.Bench{(quick ? " -- --quick" : "")}`.");
        Line();
        Line("| machine | |");
        Line("| --- | --- |");
        Line($"| CPU | {CpuModel()} |");
        Line($"| cores (nproc) | {Environment.ProcessorCount} |");
        Line($"| OS | {RuntimeInformation.OSDescription} |");
        Line($"| .NET | {RuntimeInformation.FrameworkDescription} ({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC) |");
        Line($"| build | {(IsRelease() ? "Release" : "Debug (numbers not representative)")} |");
        Line($"| load average at start (1/5/15 min) | {LoadAverage()} — other work on the machine shares these cores; see the last line for the load at the end |");
        Line();
        Line("Everything runs in one process on loopback: the fake provider (tools/Therese.FakeLlm, real Kestrel + real SSE),");
        Line("the real THÉRÈSE server (its own Program, Kestrel on 127.0.0.1, SQLite in a temp folder, the Anthropic SDK");
        Line("13.13.0 behind Microsoft.Extensions.AI), and the client (HttpClient + System.Net.ServerSentEvents.SseParser).");
        Line("One clock for all timestamps (`DateTimeOffset.UtcNow`; durations on one side use `Stopwatch`).");
        Line("Percentiles are nearest-rank over the measured iterations, after a warm-up. Nothing is asserted: these are measurements.");
        Line();

        // ---------------------------------------------------------------- 1. TTFT overhead
        Progress($"1. time to first token: {ttftWarm} warm-up + {ttftN} measured pairs");
        const string TtftDirective = """{"tokens":5,"tps":0,"ttft_ms":0}""";
        var dTotal = new List<double>(); var dReq = new List<double>(); var dResp = new List<double>();
        var tTotal = new List<double>(); var tReq = new List<double>(); var tResp = new List<double>(); var tStart = new List<double>();
        for (var i = 0; i < ttftWarm + ttftN; i++)
        {
            var measured = i >= ttftWarm;
            // (a) direct
            fake.ClearLog();
            {
                var messages = new List<ChatMessage> { new(ChatRole.User, Content(TtftDirective)) };
                var start = DateTimeOffset.UtcNow; var t0 = Stopwatch.GetTimestamp();
                double first = double.NaN; DateTimeOffset firstAt = default;
                await foreach (var u in direct.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = 16000 }))
                    if (u.Text.Length > 0 && double.IsNaN(first)) { first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds; firstAt = DateTimeOffset.UtcNow; }
                var r = fake.Requests.Single();
                if (measured)
                {
                    dTotal.Add(first);
                    dReq.Add((r.ReceivedAt - start).TotalMilliseconds);
                    dResp.Add((firstAt - r.FirstTokenAt!.Value).TotalMilliseconds);
                }
            }
            // (b) through THÉRÈSE, new conversation each time
            fake.ClearLog();
            {
                await using var s = await ChatStreamReader.OpenAsync(http, new { content = Content(TtftDirective) });
                var startEv = await s.NextOfTypeAsync("start");
                var delta = await s.NextOfTypeAsync("delta");
                await s.ReadToEndAsync();
                var r = fake.Requests.Single();
                if (measured)
                {
                    tTotal.Add(s.MsTo(delta));
                    tStart.Add(s.MsTo(startEv));
                    tReq.Add((r.ReceivedAt - s.SentAt).TotalMilliseconds);
                    tResp.Add((delta.At - r.FirstTokenAt!.Value).TotalMilliseconds);
                }
            }
        }
        var overhead = dTotal.Zip(tTotal, (a, b) => b - a).ToList();
        Line("## 1. Time to first token added by THÉRÈSE");
        Line();
        Line("The fake answers with `ttft_ms: 0` (first token right after the stream preamble), 5 tokens, as fast as possible.");
        Line("(a) **direct**: the Anthropic SDK (`AnthropicClient(...).AsIChatClient(model, 16000).GetStreamingResponseAsync`, same");
        Line("HttpClient settings as THÉRÈSE) straight to the fake: from the call to the first update carrying text.");
        Line("(b) **through THÉRÈSE**: `POST /api/chat/stream` with a new conversation each time (so the conversation, user message and");
        Line("streaming-answer rows are written), from `SendAsync` to the first `delta` event out of the SSE parser.");
        Line($"(a) and (b) alternate, {ttftN} of each after {ttftWarm} warm-up pairs; every stream is read to its end before the next.");
        Line("The legs use the fake's own log: *request leg* = fake `ReceivedAt` − client start; *return leg* = client receipt of the first text − fake `FirstTokenAt`.");
        Line();
        Line(Stats.Header);
        Line(new Stats(dTotal).Row("(a) direct SDK → fake: first text"));
        Line(new Stats(tTotal).Row("(b) client → THÉRÈSE → fake: first `delta`"));
        Line(new Stats(overhead).Row("**overhead (b) − (a)**, paired per iteration"));
        Line(new Stats(tStart).Row("(b) client receives the `start` event"));
        Line(new Stats(dReq).Row("(a) request leg (client start → fake received)"));
        Line(new Stats(tReq).Row("(b) request leg (client POST → fake received)"));
        Line(new Stats(dResp).Row("(a) return leg (fake flushed token 1 → client has text)"));
        Line(new Stats(tResp).Row("(b) return leg (fake flushed token 1 → client has `delta`)"));
        Line();
        var ov = new Stats(overhead);
        var ovMedian = new Stats(tTotal).P50 - new Stats(dTotal).P50;
        Line($"**THÉRÈSE adds {Ms(ov.P50)} ms at p50 and {Ms(ov.P95)} ms at p95 to the time to first token** (difference of medians: {Ms(ovMedian)} ms).");
        Line("For scale, figures published by others for LLM gateways that relay streams (not measured here, different machines and");
        Line("methods, quoted from their vendors and an independent test): Bifrost 11 µs mean at 5,000 RPS (vendor) and 0.62 ms in an");
        Line("independent sequential localhost test; Portkey OSS 2.65 ms in that same test; LiteLLM 3.25 ms per request (its docs).");
        Line("THÉRÈSE is not a gateway (it also saves to SQLite and re-encodes the stream for the browser), and this figure includes a");
        Line("second HTTP hop (client → THÉRÈSE) that a direct call does not have.");
        Line();

        // ---------------------------------------------------------------- 2. relay latency
        Progress($"2. per-token relay latency: {relayRuns} runs of 200 tokens at 100 tokens/s");
        {
            await using (var w = await ChatStreamReader.OpenAsync(http, new { content = Content("""{"tokens":20,"tps":100,"ttft_ms":0}""") })) await w.ReadToEndAsync();
        }
        var relayFirst = new List<double>(); var relayLast = new List<double>(); var relayEach = new List<double>();
        var relayMismatch = 0; var relayDirectEach = new List<double>();
        for (var i = 0; i < relayRuns; i++)
        {
            fake.ClearLog();
            await using var s = await ChatStreamReader.OpenAsync(http, new { content = Content("""{"tokens":200,"tps":100,"ttft_ms":0}""") });
            await s.ReadToEndAsync();
            var r = fake.Requests.Single();
            var deltas = s.Deltas.ToList();
            relayFirst.Add((deltas[0].At - r.FirstTokenAt!.Value).TotalMilliseconds);
            relayLast.Add((deltas[^1].At - r.LastTokenAt!.Value).TotalMilliseconds);
            if (deltas.Count == 200 && s.Text == FakeText.Text(200))
                for (var k = 0; k < deltas.Count; k++)
                    relayEach.Add((deltas[k].At - r.FirstTokenAt!.Value).TotalMilliseconds - k * 10.0);
            else relayMismatch++;

            // The same answer straight from the SDK: the estimate's baseline (fake timer lateness, SDK, GC).
            fake.ClearLog();
            var stamps = new List<DateTimeOffset>();
            var directText = new StringBuilder();
            await foreach (var u in direct.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, Content("""{"tokens":200,"tps":100,"ttft_ms":0}"""))], new ChatOptions { MaxOutputTokens = 16000 }))
                if (u.Text.Length > 0) { stamps.Add(DateTimeOffset.UtcNow); directText.Append(u.Text); }
            var dr = fake.Requests.Single();
            if (stamps.Count == 200)
                for (var k = 0; k < stamps.Count; k++)
                    relayDirectEach.Add((stamps[k] - dr.FirstTokenAt!.Value).TotalMilliseconds - k * 10.0);
        }
        Line("## 2. Per-token relay latency");
        Line();
        Line($"{relayRuns} answers of 200 tokens at 100 tokens/s (`ttft_ms: 0`) through THÉRÈSE, read to the end (each followed by the same answer read directly with the SDK, for the baseline row). The fake logs when it wrote and");
        Line("flushed its first and last token; the client stamps each `delta` as the SSE parser yields it (same process, same clock).");
        Line("*All tokens (estimate)*: the fake paces token k at exactly start + k/tps (Stopwatch schedule, no drift), so token k's write");
        Line("time is taken as `FirstTokenAt + k × 10 ms`; this estimate also counts any lateness of the fake's own timer.");
        Line();
        Line(Stats.Header);
        Line(new Stats(relayFirst).Row("first token: fake `FirstTokenAt` → client first `delta`"));
        Line(new Stats(relayLast).Row("last token: fake `LastTokenAt` → client last `delta`"));
        Line(new Stats(relayEach).Row($"every token (estimate, {relayEach.Count} tokens)"));
        Line(new Stats(relayDirectEach).Row($"baseline, same estimate, SDK straight to the fake ({relayDirectEach.Count} tokens)"));
        Line();
        Line(relayMismatch == 0
            ? "Every run: 200 `delta` events, one per provider token, concatenation identical to the fake's text."
            : $"**{relayMismatch} run(s) did not map one `delta` per token (excluded from the estimate).**");
        Line();

        // ---------------------------------------------------------------- 3. stop latency
        Progress($"3. stop latency: {stopRuns} runs");
        var stopLat = new List<double>(); var afterCancel = new List<double>(); var inFlight = new List<double>(); var savedLat = new List<double>();
        var statuses = new Dictionary<string, int>(); var savedPrefixOk = 0;
        for (var i = 0; i < stopRuns; i++)
        {
            fake.ClearLog();
            var target = 5 + (i * 7) % 40;
            using var cts = new CancellationTokenSource();
            var s = await ChatStreamReader.OpenAsync(http, new { content = Content("""{"tokens":2000,"tps":100,"ttft_ms":0}""") }, cts.Token);
            while (s.Deltas.Count() < target) await s.NextAsync();
            var received = s.Deltas.Count();
            var clientText = s.Text;
            var conversationId = s.ConversationId!;
            var live = fake.Requests.Single();
            var sentAtCancel = live.TokensSent;
            var cancelAt = DateTimeOffset.UtcNow; var cancelTicks = Stopwatch.GetTimestamp();
            await cts.CancelAsync();
            await s.DisposeAsync();
            var r = await fake.WaitForRequestAsync(x => x.DisconnectedAt is not null, TimeSpan.FromSeconds(10));
            stopLat.Add((r.DisconnectedAt!.Value - cancelAt).TotalMilliseconds);
            // Saved as stopped? Poll the API every 5 ms.
            string status = "streaming"; string saved = "";
            while (Stopwatch.GetElapsedTime(cancelTicks) < TimeSpan.FromSeconds(5))
            {
                var conv = JsonDocument.Parse(await http.GetStringAsync($"/api/conversations/{conversationId}")).RootElement;
                var last = conv.GetProperty("messages").EnumerateArray().Last();
                status = last.GetProperty("status").GetString()!;
                saved = last.GetProperty("content").GetString() ?? "";
                if (status != "streaming") { savedLat.Add(Stopwatch.GetElapsedTime(cancelTicks).TotalMilliseconds); break; }
                await Task.Delay(5);
            }
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (saved.StartsWith(clientText, StringComparison.Ordinal)) savedPrefixOk++;
            await Task.Delay(150); // nothing more may be sent after the disconnect
            afterCancel.Add(r.TokensSent - sentAtCancel);
            inFlight.Add(sentAtCancel - received);
        }
        Line("## 3. Stop latency");
        Line();
        Line($"{stopRuns} answers of 2,000 tokens at 100 tokens/s. The client (HttpClient with `SocketsHttpHandler {{ MaxResponseDrainSize = 0 }}`,");
        Line("as a browser closes its connection) reads 5 to 44 `delta` events, then cancels its token and disposes the response.");
        Line("*Stop latency* = fake `DisconnectedAt` (Kestrel saw the provider connection close) − the moment the client cancelled:");
        Line("the time during which the provider could still generate and bill.");
        Line();
        Line(Stats.Header);
        Line(new Stats(stopLat).Row("client cancels → provider connection closed"));
        Line(new Stats(savedLat).Row("client cancels → answer saved with its final status (API polled every 5 ms)"));
        Line();
        var ac = new Stats(afterCancel);
        var inf = new Stats(inFlight);
        Line($"**Tokens the fake sent after the cancel** (`TokensSent` 150 ms after the disconnect − `TokensSent` read at the cancel moment): p50 {ac.P50:0}, p95 {ac.P95:0}, max {ac.Max:0} (at 100 tokens/s one token is 10 ms).");
        Line($"Tokens already sent by the fake but not yet read by the client at the cancel (in the sockets and THÉRÈSE's queue; they were generated before Stop): p50 {inf.P50:0}, p95 {inf.P95:0}, max {inf.Max:0}.");
        Line($"Final status saved: {string.Join(", ", statuses.Select(kv => $"{kv.Key} × {kv.Value}"))}; saved text starts with exactly what the client received in {savedPrefixOk}/{stopRuns} runs.");
        Line();

        // ---------------------------------------------------------------- 4. storage
        Progress($"4. storage: {storageN} pairs new vs 50-message conversation, then {lockRuns} runs with the database write-locked");
        var dbs = host.Services.GetRequiredService<IDbContextFactory<ThereseDb>>();
        var seeded = new Queue<string>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var now = DateTimeOffset.UtcNow.AddHours(-1);
            var filler = string.Concat(Enumerable.Repeat("Voici une phrase de conversation assez ordinaire, avec des accents : été, où, ça. ", 4));
            for (var c = 0; c < storageN + 5; c++)
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
        }
        var newFirst = new List<double>(); var oldFirst = new List<double>(); var newStart = new List<double>(); var oldStart = new List<double>();
        var newReq = new List<double>(); var oldReq = new List<double>();
        for (var i = 0; i < storageN + 5; i++)
        {
            var measured = i >= 5;
            foreach (var existing in new[] { false, true })
            {
                fake.ClearLog();
                await using var s = await ChatStreamReader.OpenAsync(http, new { content = Content(TtftDirective), conversation_id = existing ? seeded.Dequeue() : null });
                var st = await s.NextOfTypeAsync("start");
                var d = await s.NextOfTypeAsync("delta");
                await s.ReadToEndAsync();
                var r = fake.Requests.Single();
                if (!measured) continue;
                (existing ? oldFirst : newFirst).Add(s.MsTo(d));
                (existing ? oldStart : newStart).Add(s.MsTo(st));
                (existing ? oldReq : newReq).Add((r.ReceivedAt - s.SentAt).TotalMilliseconds);
            }
        }
        // The database write-locked by another connection while an answer starts.
        var dbFile = Path.Combine(host.DataDir, "therese.db");
        var lockFirst = new List<double>(); var lockDone = new List<double>(); var lockOk = 0;
        const int LockMs = 500;
        for (var i = 0; i < lockRuns; i++)
        {
            await using var locker = new SqliteConnection($"Data Source={dbFile};Pooling=False");
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand()) { begin.CommandText = "BEGIN IMMEDIATE;"; await begin.ExecuteNonQueryAsync(); }
            var lockedAt = Stopwatch.GetTimestamp();
            await using var s = await ChatStreamReader.OpenAsync(http, new { content = Content("""{"tokens":20,"tps":0,"ttft_ms":0}""") });
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
            if (s.Text == FakeText.Text(20)) lockOk++;
        }
        Line("## 4. Storage and the first token");
        Line();
        Line($"Same directive as in 1 (`ttft_ms: 0`, 5 tokens). {storageN} alternating pairs after 5 warm-up pairs: a **new conversation** versus a message");
        Line("added to an **existing conversation of 50 saved messages** (a different, freshly seeded conversation each time, ~330 characters per");
        Line("message, so the 50 messages are read from SQLite and sent to the model as history).");
        Line();
        Line(Stats.Header);
        Line(new Stats(newStart).Row("new conversation: `start` event"));
        Line(new Stats(oldStart).Row("50-message conversation: `start` event"));
        Line(new Stats(newReq).Row("new conversation: client POST → fake received"));
        Line(new Stats(oldReq).Row("50-message conversation: client POST → fake received"));
        Line(new Stats(newFirst).Row("new conversation: first `delta`"));
        Line(new Stats(oldFirst).Row("50-message conversation: first `delta`"));
        Line();
        Line($"**Writes, forced slow**: {lockRuns} new-conversation answers (20 tokens, `ttft_ms: 0`) sent while another SQLite connection holds");
        Line($"the database's write lock (`BEGIN IMMEDIATE`) for {LockMs} ms, so every write THÉRÈSE attempts must wait for it.");
        Line();
        Line(Stats.Header);
        Line(new Stats(lockFirst).Row($"write-locked {LockMs} ms: first `delta`"));
        Line(new Stats(lockDone).Row($"write-locked {LockMs} ms: `done` event"));
        Line();
        var firstUnderLock = new Stats(lockFirst).Max < LockMs / 2.0;
        Line(firstUnderLock
            ? $"While the database could not be written for {LockMs} ms, the first token still arrived in {Ms(new Stats(lockFirst).P50)} ms (p50): the"
              + " writes of the conversation, user message and answer row are not on the first-token path. The `done` event waits for them"
              + " (THÉRÈSE confirms the end only once it is saved), hence `done` ≈ the lock time."
            : $"**The first token waited for the write lock** (p50 {Ms(new Stats(lockFirst).P50)} ms): saving IS on the first-token path.");
        Line($"Text intact in {lockOk}/{lockRuns} runs.");
        Line("What *is* on the path, by design: for an existing conversation THÉRÈSE reads its history from SQLite before it can call the");
        Line("model (it must send it); the difference between the two rows above is that read plus the larger request, not a write.");
        Line();

        // ---------------------------------------------------------------- 5. long answer
        Progress($"5. long answer: {longRuns} × 10,000 tokens at tps 0, through THÉRÈSE and direct");
        await using (var w = await ChatStreamReader.OpenAsync(http, new { content = Content("""{"tokens":2000,"tps":0,"ttft_ms":0}""") })) await w.ReadToEndAsync();
        var expected = FakeText.Text(10000);
        var longRows = new List<string>();
        var longThrough = new List<double>(); var longDirect = new List<double>();
        long allocThrough = 0, allocDirect = 0; var gcThrough = new int[3]; var gcDirect = new int[3];
        var intact = 0; var savedIntact = 0; var deltaCounts = new List<int>();
        for (var i = 0; i < longRuns; i++)
        {
            fake.ClearLog();
            var (a0, g0) = (GC.GetTotalAllocatedBytes(true), Gcs());
            await using var s = await ChatStreamReader.OpenAsync(http, new { content = Content("""{"tokens":10000,"tps":0,"ttft_ms":0}""") });
            await s.ReadToEndAsync();
            var (a1, g1) = (GC.GetTotalAllocatedBytes(true), Gcs());
            var done = s.Received.Single(e => !e.IsDoneMarker && e.Type == "done");
            longThrough.Add(s.MsTo(done));
            allocThrough += a1 - a0; for (var g = 0; g < 3; g++) gcThrough[g] += g1[g] - g0[g];
            deltaCounts.Add(s.Deltas.Count());
            if (s.Text == expected) intact++;
            var conv = JsonDocument.Parse(await http.GetStringAsync($"/api/conversations/{s.ConversationId}")).RootElement;
            var last = conv.GetProperty("messages").EnumerateArray().Last();
            if (last.GetProperty("content").GetString() == expected && last.GetProperty("status").GetString() == "complete") savedIntact++;

            // The same answer straight from the SDK, for comparison.
            var (b0, h0) = (GC.GetTotalAllocatedBytes(true), Gcs());
            var t0 = Stopwatch.GetTimestamp();
            var sb = new StringBuilder();
            await foreach (var u in direct.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, Content("""{"tokens":10000,"tps":0,"ttft_ms":0}"""))], new ChatOptions { MaxOutputTokens = 16000 }))
                sb.Append(u.Text);
            longDirect.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var (b1, h1) = (GC.GetTotalAllocatedBytes(true), Gcs());
            allocDirect += b1 - b0; for (var g = 0; g < 3; g++) gcDirect[g] += h1[g] - h0[g];
        }
        var lt = new Stats(longThrough); var ld = new Stats(longDirect);
        Line("## 5. A 10,000-token answer");
        Line();
        Line($"{longRuns} answer(s) of 10,000 plain tokens with `tps: 0` (the fake writes and flushes each token as fast as it can), after a 2,000-token warm-up.");
        Line("*Through THÉRÈSE*: POST → `done` event. *Direct*: the Anthropic SDK straight to the fake, the same 10,000 tokens.");
        Line("Allocations and GC counts are process-wide (`GC.GetTotalAllocatedBytes(true)`, `GC.CollectionCount`) around each run, so they");
        Line("include the fake provider and the benchmark's own client; the direct run shows the part that is not THÉRÈSE.");
        Line();
        Line("| measure | through THÉRÈSE | direct SDK |");
        Line("| --- | ---: | ---: |");
        Line($"| total time, p50 (ms) | {Ms(lt.P50)} | {Ms(ld.P50)} |");
        Line($"| total time, max (ms) | {Ms(lt.Max)} | {Ms(ld.Max)} |");
        Line($"| tokens/s relayed (p50) | {10000 / (lt.P50 / 1000):N0} | {10000 / (ld.P50 / 1000):N0} |");
        Line($"| allocated per answer (MB, process) | {allocThrough / (double)longRuns / 1048576:0.0} | {allocDirect / (double)longRuns / 1048576:0.0} |");
        Line($"| allocated per token (bytes, process) | {allocThrough / (double)longRuns / 10000:N0} | {allocDirect / (double)longRuns / 10000:N0} |");
        Line($"| GC gen0 / gen1 / gen2 per answer | {gcThrough[0] / (double)longRuns:0.#} / {gcThrough[1] / (double)longRuns:0.#} / {gcThrough[2] / (double)longRuns:0.#} | {gcDirect[0] / (double)longRuns:0.#} / {gcDirect[1] / (double)longRuns:0.#} / {gcDirect[2] / (double)longRuns:0.#} |");
        Line();
        Line($"Integrity: the client's concatenated `delta` text equals `FakeText.Text(10000)` in {intact}/{longRuns} runs ({string.Join(", ", deltaCounts.Distinct())} `delta` events);");
        Line($"the saved answer (GET /api/conversations/{{id}}) is complete and identical in {savedIntact}/{longRuns} runs.");
        Line($"THÉRÈSE-attributable allocation ≈ {(allocThrough - allocDirect) / (double)longRuns / 10000:N0} bytes per token (difference of the two columns; includes the benchmark client's SSE parsing).");
        Line();

        // ---------------------------------------------------------------- 6. browser
        if (browserWanted)
        {
            Progress("6. browser (Playwright + Chromium)");
            try
            {
                var results = await BrowserBench.RunAsync(host.BaseUrl, browserSizes, Progress);
                Line("## 6. In the browser");
                Line();
                Line(BrowserBench.Describe(results));
            }
            catch (Exception ex)
            {
                Line("## 6. In the browser");
                Line();
                Line($"Not measured: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
            }
            Line();
        }

        Line($"Whole run: {total.Elapsed.TotalSeconds:0} s. Load average at the end: {LoadAverage()}.");
        var root = RepoRoot();
        await File.WriteAllTextAsync(Path.Combine(root, "bench", "results.md"), md.ToString());
        Progress($"written {Path.Combine(root, "bench", "results.md")}");
        return 0;

        static string LoadAverage()
        {
            try { return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
            catch (IOException) { return "unknown"; }
        }

        static int[] Gcs() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

        static string CpuModel()
        {
            try
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
            }
            catch (IOException) { return "unknown"; }
        }

        static bool IsRelease() =>
            System.Reflection.Assembly.GetExecutingAssembly().GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];

        static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "THERESE.slnx"))) return dir.FullName;
            return Directory.GetCurrentDirectory();
        }
    }
}
