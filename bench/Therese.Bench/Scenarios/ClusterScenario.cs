using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Anthropic;
using Microsoft.Extensions.AI;
using Therese.Bench.Processes;
using Therese.Bench.Report;
using Therese.FakeLlm;
using Therese.Testing;

namespace Therese.Bench.Scenarios;

/// <summary>
/// First token four ways: direct (SDK → fake), a standalone THÉRÈSE (one process, team mode, SQLite, no Redis: a team on one
/// machine), one cluster instance reached on its own port, and through nginx.
/// </summary>
public sealed record ClusterFirstToken(
    int Rounds, int WarmUp,
    Distribution Direct, Distribution Standalone, Distribution Instance, Distribution Cluster,
    Distribution StandaloneAdded, Distribution InstanceAdded, Distribution ClusterAdded,
    Distribution ClusterOverStandalone, Distribution InstanceOverStandalone, Distribution ClusterOverInstance,
    Distribution StandaloneRequestLeg, Distribution InstanceRequestLeg, Distribution ClusterRequestLeg,
    Distribution StandaloneReturnLeg, Distribution InstanceReturnLeg, Distribution ClusterReturnLeg,
    List<int> ClusterAnswersPerInstance, double LoadAverage);

/// <summary>One instance during one level: what it served and what it held.</summary>
public sealed record ClusterInstanceLevel(
    int Streams, long WorkingSetBaselineMb, long WorkingSetPeakMb, long GcHeapBaselineMb, long GcHeapPeakMb, int PeakThreads, int PeakOpenFiles);

public sealed record ClusterLevel(
    int Streams, double Tps, int TokensPerStream, double RampSeconds,
    int Completed, int Errors, long TokensExpected, long TokensReceived, long TokensLost, long TokensReordered, List<string> ErrorSamples,
    int SavedIntact, List<ClusterInstanceLevel> Instances, long WorkingSetBaselineMb, long WorkingSetPeakMb,
    double WorkingSetPerStreamKb, double GcHeapPerStreamKb,
    double InstancesCpuMsPer1000Tokens, double NginxCpuMsPer1000Tokens, double PostgresCpuMsPer1000Tokens, double RedisCpuMsPer1000Tokens,
    long RedisCommands, int NginxPeakOpenFiles,
    Distribution AddedDelay, Distribution FirstToken, double LoadAverage, double Seconds,
    List<string> InstanceLog);

/// <summary>Answers started on one instance and stopped through another: how long the provider kept its connection.</summary>
public sealed record ClusterStop(int Runs, Distribution ToProviderClosed, Distribution ToStopAnswered, Distribution TokensAfterStop,
    int EndedStopped, int SavedStoppedExact, double LoadAverage);

/// <summary>Section 10; <see cref="Skipped"/> or <see cref="Failed"/> says why there are no figures.</summary>
public sealed record ClusterResult(
    int InstanceCount, string Setup, string? Skipped, string? Failed, ClusterFirstToken? FirstToken, List<ClusterLevel> Levels,
    string ProviderProtocol, int RedisClients, ClusterStop? Stop = null);

/// <summary>
/// Section 10: THÉRÈSE as a team runs it on several machines, squeezed onto this one: three instances (the server's own
/// build, started as separate processes) on one PostgreSQL and one Redis, behind nginx, all on loopback and throwaway
/// (tests/Shared/ThereseCluster.cs). The fake provider runs in this process over HTTPS (HTTP/2, as in section 6).
/// First the time to first token through nginx against one instance reached directly and against the SDK straight to the
/// fake; then concurrent streams through nginx at 1 token/s, with the memory each stream costs the instances.
/// </summary>
public static class ClusterScenario
{
    private const int InstanceCount = 3;
    private const string Directive = """{"tokens":5,"tps":0,"ttft_ms":0}""";
    private const string Setup =
        "three src/Therese.Server processes (the benchmark's build, server GC, team mode, PostgreSQL storage, Therese:Redis:Configuration set) behind nginx " +
        "(round robin, one worker, HTTP/1.1 to the instances, no buffering), a throwaway PostgreSQL (fsync off) and Redis, the fake provider in the " +
        "benchmark's process over HTTPS, all on loopback; for the first token, also the same build as one standalone process (team mode, SQLite, no Redis)";

    public static async Task<ClusterResult> RunAsync(BenchOptions options, Action<string> log)
    {
        if (ThereseCluster.Missing() is { } missing)
        {
            log($"[cluster] skipped: {missing}");
            return new ClusterResult(InstanceCount, Setup, missing, null, null, [], "", 0);
        }
        var levels = new List<ClusterLevel>();
        ClusterFirstToken? firstToken = null;
        ClusterStop? stop = null;
        string protocol = "";
        var redisClients = 0;
        ThereseCluster? cluster = null;
        try
        {
            var started = Stopwatch.StartNew();
            var settings = new Dictionary<string, string>
            {
                // The load comes from one person: no per-person rate or concurrency limit may refuse it.
                ["Therese:Team:MessagesPerMinute"] = "1000000",
                ["Therese:Limits:MaxConcurrentAnswers"] = "100000",
                ["Therese:Limits:MaxConcurrentAnswersPerClient"] = "100000",
                ["Therese:Llm:MaxTokens"] = "16000",
            };
            var most = options.ClusterLevels.DefaultIfEmpty(0).Max();
            cluster = await ThereseCluster.StartAsync(InstanceCount, settings, new ClusterOptions
            {
                ProviderOverHttps = true,
                // Measure the cluster, not its start: instances racing to create the first admin can fail (Identity reports the
                // duplicate e-mail before the database does), which the several-instances tests are there to show.
                FirstInstanceAlone = true,
                NginxWorkerConnections = Math.Max(4096, 2 * most + 1024),
            });
            log($"[cluster] {InstanceCount} instances, PostgreSQL, Redis and nginx ({cluster.BaseUrl}) started in {started.Elapsed.TotalSeconds:0.0} s; fake provider on {cluster.Fake.BaseUrl}");

            var cookies = new CookieContainer();
            using (var signIn = cluster.CreateClient(cookies: cookies))
            using (var response = await signIn.PostAsJsonAsync("/api/auth/login", new { email = ThereseCluster.AdminEmail, password = ThereseCluster.AdminPassword }))
                if (response.StatusCode != HttpStatusCode.OK)
                    throw new InvalidOperationException($"Sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

            // The reference: the same build as one process, as a team runs it on one machine (team mode, SQLite, no Redis), on the same fake.
            var standaloneData = Path.Combine(Path.GetTempPath(), "therese-cluster-bench-standalone-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                var standaloneSettings = cluster.Settings
                    .Where(kv => kv.Key is not ("Therese:Storage:Provider" or "ConnectionStrings:Therese" or "Therese:Redis:Configuration"))
                    .ToDictionary(kv => kv.Key, kv => kv.Value);
                standaloneSettings["Therese:DataDir"] = standaloneData;
                await using var standalone = ServerProcess.Start(standaloneSettings, environment: cluster.InstanceEnvironment.ToDictionary());
                await standalone.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
                firstToken = await FirstTokenAsync(cluster, standalone, cookies, options, log);
            }
            finally
            {
                try { Directory.Delete(standaloneData, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }

            stop = await StopElsewhereAsync(cluster, cookies, options, log);

            var root = Machine.RepoRoot();
            var work = Path.Combine(Path.GetTempPath(), "therese-cluster-bench-" + Guid.NewGuid().ToString("N")[..8]);
            var counters = new List<RuntimeCounters>();
            try
            {
                for (var i = 0; i < InstanceCount; i++)
                {
                    var folder = Path.Combine(work, $"instance-{i}");
                    Directory.CreateDirectory(folder);
                    counters.Add(RuntimeCounters.Start(cluster.Instances[i]!.ProcessId, root, folder));
                }
                var load = new LoadClient(cluster, cookies, counters, options.Quick, log);
                // Warm-up (not reported): JIT, thread pools, connections at every hop, PostgreSQL's caches.
                await load.RunLevelAsync(options.Quick ? 10 : 150, tps: 5, tokens: options.Quick ? 3 : 10, rampSeconds: 1);
                foreach (var n in options.ClusterLevels)
                {
                    var ramp = Math.Max(1, n / 500.0);
                    levels.Add(await load.RunLevelAsync(n, tps: 1, tokens: options.Quick ? 3 : (int)ramp + 20, rampSeconds: ramp));
                }
                protocol = load.Protocol;
                redisClients = load.RedisClients;
            }
            finally
            {
                foreach (var c in counters) await c.DisposeAsync();
                try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            log($"[cluster] done in {started.Elapsed.TotalSeconds:0} s");
            return new ClusterResult(InstanceCount, Setup, null, null, firstToken, levels, protocol, redisClients, stop);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The run goes on (its other sections are kept); the report says what failed and the benchmark exits with 1.
            log($"[cluster] FAILED: {ex}");
            if (cluster is not null) log(cluster.Diagnostics[^Math.Min(cluster.Diagnostics.Length, 6000)..]);
            var message = ex.Message.Split('\n')[0];
            return new ClusterResult(InstanceCount, Setup, null, $"{ex.GetType().Name}: {message[..Math.Min(message.Length, 400)]}", firstToken, levels, protocol, redisClients, stop);
        }
        finally
        {
            if (cluster is not null) await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// The same answer four ways, in rotating order within each round: the SDK straight to the fake; the standalone THÉRÈSE;
    /// one cluster instance on its own port (instance round mod 3); through nginx (round robin). Each stream is read to its end
    /// before the next.
    /// </summary>
    private static async Task<ClusterFirstToken> FirstTokenAsync(ThereseCluster cluster, ServerProcess standalone, CookieContainer cookies, BenchOptions options, Action<string> log)
    {
        int warm = options.Quick ? 6 : 30, rounds = options.Rounds ?? (options.Quick ? 24 : 300);
        log($"[cluster] first token: {warm} warm-up + {rounds} rounds of direct / standalone THÉRÈSE / one cluster instance / through nginx");
        var certificate = cluster.ProviderCertificate!.GetCertHash();
        using var providerHttp = new HttpClient(new PreferHttp2(new SocketsHttpHandler
        {
            // THÉRÈSE's own provider client settings (src/Therese.Server/Llm/ProviderHttp.cs), trusting the fake's certificate only.
            MaxResponseDrainSize = 0,
            ResponseDrainTimeout = TimeSpan.Zero,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            EnableMultipleHttp2Connections = true,
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHash().AsSpan().SequenceEqual(certificate) },
        })) { Timeout = Timeout.InfiniteTimeSpan };
        var direct = new AnthropicClient(new Anthropic.Core.ClientOptions { ApiKey = "k", BaseUrl = cluster.Fake.BaseUrl, MaxRetries = 0, HttpClient = providerHttp })
            .AsIChatClient("fake-model", 16000);
        static HttpClient Client(string baseUrl, CookieContainer jar) => new(new SocketsHttpHandler
        {
            UseCookies = true, CookieContainer = jar, MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero,
        }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        using var throughNginx = cluster.CreateClient(cookies: cookies);
        var toInstance = cluster.Instances.Select(i => Client(i!.BaseUrl, cookies)).ToArray();
        // Its own cookie jar: same host (127.0.0.1) and cookie name as the cluster, another key ring.
        using var toStandalone = Client(standalone.BaseUrl, new CookieContainer());
        using (var response = await toStandalone.PostAsJsonAsync("/api/auth/login", new { email = ThereseCluster.AdminEmail, password = ThereseCluster.AdminPassword }))
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"Sign-in on the standalone THÉRÈSE answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var ports = cluster.Instances.Select((i, k) => (Port: new Uri(i!.BaseUrl).Port, Index: k)).ToDictionary(x => x.Port, x => x.Index);

        // Per way: first delta (or first text), request leg, return leg.
        var ms = Enumerable.Range(0, 4).Select(_ => new List<double>()).ToArray();
        var requestLeg = Enumerable.Range(0, 4).Select(_ => new List<double>()).ToArray();
        var returnLeg = Enumerable.Range(0, 4).Select(_ => new List<double>()).ToArray();
        const int Direct = 0, Standalone = 1, Instance = 2, Nginx = 3;
        var perInstance = new int[InstanceCount];

        // POST → first delta; and where the time went: POST → the fake received the request, the fake flushed token 1 → delta.
        async Task<(double First, double RequestLeg, double ReturnLeg, int? Instance)> ThroughAsync(HttpClient http)
        {
            var content = BenchContext.Message(Directive);
            await using var s = await ChatStreamReader.OpenAsync(http, new { content });
            var delta = await s.NextOfTypeAsync("delta");
            await s.ReadToEndAsync();
            var r = cluster.Fake.Requests.LastOrDefault(r => r.Messages.Count > 0 && r.Messages[^1].Content == content);
            return (s.MsTo(delta),
                r is null ? double.NaN : (r.ReceivedAt - s.SentAt).TotalMilliseconds,
                r?.FirstTokenAt is { } flushed ? (delta.At - flushed).TotalMilliseconds : double.NaN,
                InstanceOf(s.Response, ports));
        }

        var load = Machine.Load1();
        try
        {
            for (var i = 0; i < warm + rounds; i++)
            {
                var measured = i >= warm;
                for (var k = 0; k < 4; k++)
                {
                    var way = (i + k) % 4;
                    if (way == Direct)
                    {
                        var messages = new List<ChatMessage> { new(ChatRole.User, BenchContext.Message(Directive)) };
                        var t0 = Stopwatch.GetTimestamp();
                        var first = double.NaN;
                        await foreach (var u in direct.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = 16000 }))
                            if (u.Text.Length > 0 && double.IsNaN(first)) first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                        if (measured) ms[Direct].Add(first);
                        continue;
                    }
                    var (firstDelta, request, back, served) = await ThroughAsync(way switch
                    {
                        Standalone => toStandalone,
                        Instance => toInstance[i % InstanceCount],
                        _ => throughNginx,
                    });
                    if (!measured) continue;
                    ms[way].Add(firstDelta);
                    requestLeg[way].Add(request);
                    returnLeg[way].Add(back);
                    if (way == Nginx && served is { } index) perInstance[index]++;
                }
            }
        }
        finally
        {
            foreach (var c in toInstance) c.Dispose();
        }
        load = Math.Max(load, Machine.Load1());
        Distribution Of(int way) => Distribution.Of(ms[way]);
        Distribution Minus(int a, int b) => Distribution.Of(ms[a].Zip(ms[b], (x, y) => x - y));
        var result = new ClusterFirstToken(rounds, warm,
            Of(Direct), Of(Standalone), Of(Instance), Of(Nginx),
            Minus(Standalone, Direct), Minus(Instance, Direct), Minus(Nginx, Direct),
            Minus(Nginx, Standalone), Minus(Instance, Standalone), Minus(Nginx, Instance),
            Distribution.Of(requestLeg[Standalone]), Distribution.Of(requestLeg[Instance]), Distribution.Of(requestLeg[Nginx]),
            Distribution.Of(returnLeg[Standalone]), Distribution.Of(returnLeg[Instance]), Distribution.Of(returnLeg[Nginx]),
            [.. perInstance], load);
        log($"[cluster]   first token p50: direct {Distribution.Ms(result.Direct.P50)} ms, standalone {Distribution.Ms(result.Standalone.P50)} ms, " +
            $"one instance {Distribution.Ms(result.Instance.P50)} ms, through nginx {Distribution.Ms(result.Cluster.P50)} ms; through nginx − standalone p50 " +
            $"{Distribution.Ms(result.ClusterOverStandalone.P50)} ms, p99 {Distribution.Ms(result.ClusterOverStandalone.P99)} ms");
        return result;
    }

    /// <summary>
    /// Stop where the answer is not: each answer starts on one instance (pinned through nginx) and, after 2 to 12 deltas, its Stop
    /// goes through nginx to the next instance, which passes it on over Redis. Stop sent → the fake saw its request aborted: the
    /// time during which the provider could still generate and bill. Then the stream must end `user_stopped`, and the answer be
    /// saved `stopped` with exactly the text the client received.
    /// </summary>
    private static async Task<ClusterStop> StopElsewhereAsync(ThereseCluster cluster, CookieContainer cookies, BenchOptions options, Action<string> log)
    {
        var runs = options.Quick ? 5 : 100;
        // Two rounds per instance first, not reported: the Stop path's first run on each instance compiles its queries.
        var warm = 2 * InstanceCount;
        log($"[cluster] stop: {warm} warm-up + {runs} answers started on one instance and stopped through another");
        var load = Machine.Load1();
        var clients = Enumerable.Range(0, InstanceCount).Select(i => cluster.CreateClient(i, cookies)).ToArray();
        var closed = new List<double>(); var answered = new List<double>(); var after = new List<double>();
        int endedStopped = 0, savedExact = 0;
        try
        {
            for (var i = -warm; i < runs; i++)
            {
                var measured = i >= 0;
                var content = BenchContext.Message("""{"tokens":2000,"tps":100,"ttft_ms":0}""");
                var on = (i + warm) % InstanceCount;
                await using var s = await ChatStreamReader.OpenAsync(clients[on], new { content });
                var target = 2 + (i + warm) * 7 % 11;
                while (s.Deltas.Count() < target) await s.NextAsync();
                var request = cluster.Fake.Requests.Last(r => r.Messages.Count > 0 && r.Messages[^1].Content == content);
                var sentAtStop = request.TokensSent;
                var stopAt = DateTimeOffset.UtcNow;
                var t0 = Stopwatch.GetTimestamp();
                using (var response = await clients[(on + 1) % InstanceCount].PostAsync($"/api/chat/stream/{s.MessageId}/stop", null))
                {
                    if (measured) answered.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    response.EnsureSuccessStatusCode();
                }
                var r = await cluster.Fake.WaitForRequestAsync(x => ReferenceEquals(x, request) && x.DisconnectedAt is not null, TimeSpan.FromSeconds(10));
                var end = (await s.ReadToEndAsync()).LastOrDefault(e => !e.IsDoneMarker);
                var saved = JsonDocument.Parse(await clients[(on + 2) % InstanceCount].GetStringAsync($"/api/conversations/{s.ConversationId}"))
                    .RootElement.GetProperty("messages").EnumerateArray().Last();
                if (!measured) continue;
                closed.Add((r.DisconnectedAt!.Value - stopAt).TotalMilliseconds);
                after.Add(r.TokensSent - sentAtStop);
                if (end is { Type: "done" } && end.Json.GetProperty("stop_reason").GetString() == "user_stopped") endedStopped++;
                if (saved.GetProperty("status").GetString() == "stopped" && saved.GetProperty("content").GetString() == s.Text) savedExact++;
            }
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
        var result = new ClusterStop(runs, Distribution.Of(closed), Distribution.Of(answered), Distribution.Of(after), endedStopped, savedExact,
            Math.Max(load, Machine.Load1()));
        log($"[cluster]   stop through another instance → provider closed p50 {Distribution.Ms(result.ToProviderClosed.P50)} ms, " +
            $"p99 {Distribution.Ms(result.ToProviderClosed.P99)} ms; ended stopped {endedStopped}/{runs}, saved stopped and exact {savedExact}/{runs}");
        return result;
    }

    /// <summary>Which instance nginx chose, from the header it adds (its upstream address).</summary>
    private static int? InstanceOf(HttpResponseMessage response, Dictionary<int, int> ports) =>
        response.Headers.TryGetValues(NginxBalancer.UpstreamHeader, out var values)
        && values.FirstOrDefault() is { } addr && int.TryParse(addr[(addr.LastIndexOf(':') + 1)..], out var port)
        && ports.TryGetValue(port, out var index) ? index : null;

    /// <summary>As THÉRÈSE asks its providers: HTTP/2 when TLS offers it.</summary>
    private sealed class PreferHttp2(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Opens many streams through nginx and checks each one, token by token (as section 6 does against one server).</summary>
    private sealed class LoadClient(ThereseCluster cluster, CookieContainer cookies, List<RuntimeCounters> counters, bool quick, Action<string> log)
    {
        private sealed class Stream(string marker)
        {
            public string Marker { get; } = marker;
            public List<(long Id, string Text, DateTimeOffset At)> Deltas { get; } = new(32);
            public DateTimeOffset SentAt;
            public string? Upstream;
            public string? ConversationId;
            public string? Error;
            public bool Done;
        }

        public string Protocol { get; private set; } = "";
        private int _notIntactShown;
        public int RedisClients { get; private set; }

        private int[] Pids => [.. cluster.Instances.Select(i => i!.ProcessId)];

        private (double Instances, double Nginx, double Postgres, double Redis) Cpu() =>
            (Pids.Sum(p => ProcStats.Read(p).CpuSeconds),
             ProcStats.TreeCpuSeconds(cluster.Nginx.ProcessId),
             cluster.Postgres.ProcessId is { } pg ? ProcStats.TreeCpuSeconds(pg) : double.NaN,
             ProcStats.Read(cluster.Redis.ProcessId).CpuSeconds);

        public async Task<ClusterLevel> RunLevelAsync(int n, double tps, int tokens, double rampSeconds)
        {
            log($"[cluster] {n:N0} streams through nginx, {tokens} tokens at {tps} tokens/s, opened over {rampSeconds:0.#} s");
            var load = Machine.Load1();
            cluster.Fake.ClearLog();
            await Task.Delay(quick ? 500 : 2000);
            var pids = Pids;
            var baseline = pids.Select(ProcStats.Read).ToArray();
            var baselineAt = DateTime.Now;
            var cpu0 = Cpu();
            var redis0 = await RedisInfoAsync(cluster.Redis.Port);
            var logFrom = cluster.Instances.Select(i => i!.Output.Split('\n').Length).ToArray();
            var started = Stopwatch.StartNew();
            var levelStartUtc = DateTimeOffset.UtcNow;

            using var http = new HttpClient(new SocketsHttpHandler
            {
                UseCookies = true,
                CookieContainer = cookies,
                MaxResponseDrainSize = 0,
                PooledConnectionLifetime = TimeSpan.FromMinutes(10),
                ConnectTimeout = TimeSpan.FromSeconds(60),
            }) { Timeout = Timeout.InfiniteTimeSpan, BaseAddress = new Uri(cluster.BaseUrl) };
            var directive = JsonSerializer.Serialize(new { tokens, tps, ttft_ms = 0 });
            var streams = Enumerable.Range(0, n).Select(_ => new Stream(Guid.NewGuid().ToString("N"))).ToArray();
            var tasks = new Task[n];
            var opening = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                var due = TimeSpan.FromSeconds(rampSeconds * i / n);
                if (due > opening.Elapsed) await Task.Delay(due - opening.Elapsed);
                tasks[i] = ReadAsync(http, streams[i], directive);
            }

            // Plateau: every stream open, none finished yet.
            var plateauEnd = TimeSpan.FromSeconds(tokens / tps) - TimeSpan.FromSeconds(1);
            var samples = new List<ProcStats[]>();
            var nginxFiles = 0;
            var plateauStartAt = DateTime.Now;
            while (started.Elapsed < plateauEnd && !tasks.All(t => t.IsCompleted))
            {
                samples.Add(pids.Select(ProcStats.Read).ToArray());
                nginxFiles = Math.Max(nginxFiles, NginxOpenFiles());
                await Task.Delay(250);
            }
            var plateauEndAt = DateTime.Now;
            if (samples.Count == 0) samples.Add(pids.Select(ProcStats.Read).ToArray());

            var all = Task.WhenAll(tasks);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(tokens / tps + rampSeconds + 30)));
            var cpu1 = Cpu();
            var redis1 = await RedisInfoAsync(cluster.Redis.Port);
            var seconds = started.Elapsed.TotalSeconds;
            _notIntactShown = 0;
            var saved = await SavedIntactAsync(http, streams, FakeText.Text(tokens));
            var heapBaseline = counters.Select(c => c.GcHeap(baselineAt.AddSeconds(-2), baselineAt)).ToArray();
            var heapPeak = counters.Select(c => c.GcHeap(plateauStartAt, plateauEndAt)).ToArray();

            var written = Written();
            var expected = FakeText.Text(tokens);
            long received = 0, lost = 0, reordered = 0;
            var errors = 0;
            var errorKinds = new Dictionary<string, int>();
            var steadyFrom = levelStartUtc + TimeSpan.FromSeconds(rampSeconds + 1);
            var steadyTo = levelStartUtc + plateauEnd;
            var added = new List<double>();
            var first = new List<double>();
            var ports = cluster.Instances.Select((i, k) => (Port: new Uri(i!.BaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Index: k))
                .ToDictionary(x => x.Port, x => x.Index);
            var perInstance = new int[pids.Length];
            foreach (var s in streams)
            {
                received += s.Deltas.Count;
                if (s.Error is not null || !s.Done)
                {
                    errors++;
                    var kind = s.Error ?? $"no done event (the stream ended after {s.Deltas.Count} of {tokens} tokens)";
                    errorKinds[kind] = errorKinds.GetValueOrDefault(kind) + 1;
                }
                if (s.Upstream is { } up && ports.TryGetValue(up[(up.LastIndexOf(':') + 1)..], out var served)) perInstance[served]++;
                var inOrder = s.Deltas.Select((d, i) => d.Id == s.Deltas[0].Id + i).All(x => x);
                var text = string.Concat(s.Deltas.Select(d => d.Text));
                lost += Math.Max(0, tokens - s.Deltas.Count);
                if (!inOrder || (s.Deltas.Count == tokens && text != expected)) reordered++;
                if (s.Deltas.Count > 0) first.Add((s.Deltas[0].At - s.SentAt).TotalMilliseconds);
                if (written.TryGetValue(s.Marker, out var times) && times.Count == s.Deltas.Count)
                    for (var k = 0; k < times.Count; k++)
                        if (times[k] >= steadyFrom && times[k] <= steadyTo) added.Add((s.Deltas[k].At - times[k]).TotalMilliseconds);
            }

            // Each distinct error once, with how many streams ended with it, the most frequent first.
            var errorSamples = errorKinds.OrderByDescending(kv => kv.Value).Take(5).Select(kv => $"{kv.Value} × {kv.Key}").ToList();
            var instances = pids.Select((_, i) => new ClusterInstanceLevel(perInstance[i],
                baseline[i].RssBytes / 1048576, samples.Max(x => x[i].RssBytes) / 1048576,
                (heapBaseline[i] ?? 0) / 1048576, (heapPeak[i] ?? 0) / 1048576,
                samples.Max(x => x[i].Threads), samples.Max(x => x[i].OpenFiles))).ToList();
            // The three instances' working sets summed at each sample: the peak of the sum, less the sum before the level.
            var sumBaseline = baseline.Sum(b => b.RssBytes);
            var sumPeak = samples.Max(x => x.Sum(p => p.RssBytes));
            var heapPerStream = heapBaseline.All(h => h is not null) && heapPeak.All(h => h is > 0)
                ? heapPeak.Zip(heapBaseline, (p, b) => (double)(p!.Value - b!.Value)).Sum() / 1024.0 / n
                : double.NaN;
            double Per1000(double cpuSeconds) => received == 0 ? double.NaN : cpuSeconds * 1000 / (received / 1000.0);
            var level = new ClusterLevel(n, tps, tokens, rampSeconds, streams.Count(s => s.Done && s.Error is null), errors, (long)n * tokens, received, lost, reordered,
                errorSamples, saved, instances, sumBaseline / 1048576, sumPeak / 1048576,
                (sumPeak - sumBaseline) / 1024.0 / n, heapPerStream,
                Per1000(cpu1.Instances - cpu0.Instances), Per1000(cpu1.Nginx - cpu0.Nginx), Per1000(cpu1.Postgres - cpu0.Postgres), Per1000(cpu1.Redis - cpu0.Redis),
                // Less the INFO command that read the second count.
                Math.Max(0, redis1.Commands - redis0.Commands - 1), nginxFiles,
                Distribution.Of(added), Distribution.Of(first), Math.Max(load, Machine.Load1()), Math.Round(seconds, 1),
                LogSummary(cluster.Instances.SelectMany((p, i) => p!.Output.Split('\n').Skip(logFrom[i]))));
            RedisClients = redis1.Clients;
            foreach (var line in level.ErrorSamples) log($"[cluster]   streams ended with: {line}");
            foreach (var line in level.InstanceLog) log($"[cluster]   instances logged: {line}");
            log($"[cluster]   {level.Completed:N0}/{n:N0} complete, {errors} errors, lost {lost}, saved intact {saved:N0}, streams per instance {string.Join("/", perInstance)}, " +
                $"working set +{level.WorkingSetPerStreamKb:0.#} KB/stream (3 instances), GC heap +{level.GcHeapPerStreamKb:0.#} KB/stream, " +
                $"added delay p99 {Distribution.Ms(level.AddedDelay.P99)} ms, Redis commands {level.RedisCommands:N0}");
            return level;
        }

        private async Task ReadAsync(HttpClient http, Stream s, string directive)
        {
            await Task.Yield();
            try
            {
                var body = JsonSerializer.Serialize(new { content = $"Charge {s.Marker}\n::fake {directive}" });
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/stream") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                s.SentAt = DateTimeOffset.UtcNow;
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                s.Upstream = response.Headers.TryGetValues(NginxBalancer.UpstreamHeader, out var up) ? up.FirstOrDefault() : null;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    s.Error = $"HTTP {(int)response.StatusCode} {ProblemCode(await response.Content.ReadAsStringAsync())}";
                    return;
                }
                await using var stream = await response.Content.ReadAsStreamAsync();
                await foreach (var item in SseParser.Create(stream).EnumerateAsync())
                {
                    var at = DateTimeOffset.UtcNow;
                    if (item.Data == "[DONE]") break;
                    using var json = JsonDocument.Parse(item.Data);
                    var type = json.RootElement.GetProperty("type").GetString();
                    if (type == "delta")
                        s.Deltas.Add((long.Parse(item.EventId!, System.Globalization.CultureInfo.InvariantCulture), json.RootElement.GetProperty("content").GetString()!, at));
                    else if (type == "done") s.Done = true;
                    else if (type == "start") s.ConversationId = json.RootElement.GetProperty("conversation_id").GetString();
                    else if (type == "error" && json.RootElement.TryGetProperty("error", out var error))
                        s.Error = $"error event {error.GetProperty("code").GetString()}: {error.GetProperty("message").GetString()}";
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                s.Error = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        /// <summary>
        /// The answers as any instance reads them back from PostgreSQL once the level is over (GET /api/conversations/{id} through
        /// nginx): how many are saved complete with exactly the text the fake wrote.
        /// </summary>
        private async Task<int> SavedIntactAsync(HttpClient http, Stream[] streams, string expected)
        {
            // The end of an answer is written by the instance's writer in its next batch, after the client has its done event.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var intact = 0;
            await Parallel.ForEachAsync(streams.Where(s => s.ConversationId is not null), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (s, ct) =>
            {
                try
                {
                    using var response = await http.GetAsync($"/api/conversations/{Uri.EscapeDataString(s.ConversationId!)}", ct);
                    if (!response.IsSuccessStatusCode) return;
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                    var last = json.RootElement.GetProperty("messages").EnumerateArray().LastOrDefault();
                    if (last.ValueKind == JsonValueKind.Object && last.GetProperty("status").GetString() == "complete" && last.GetProperty("content").GetString() == expected)
                        Interlocked.Increment(ref intact);
                    else if (Interlocked.Exchange(ref _notIntactShown, 1) == 0)
                        log($"[cluster]   first answer not saved intact: status {(last.ValueKind == JsonValueKind.Object ? last.GetProperty("status").GetString() : "none")}, " +
                            $"{(last.ValueKind == JsonValueKind.Object ? last.GetProperty("content").GetString()?.Length : 0)} of {expected.Length} characters");
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or KeyNotFoundException or OperationCanceledException) { }
            });
            return intact;
        }

        /// <summary>Per stream marker, when the fake (in this process, same clock) wrote each token.</summary>
        private Dictionary<string, IReadOnlyList<DateTimeOffset>> Written()
        {
            var result = new Dictionary<string, IReadOnlyList<DateTimeOffset>>();
            foreach (var r in cluster.Fake.Requests)
            {
                var last = r.Messages.Count > 0 ? r.Messages[^1].Content : "";
                var at = last.IndexOf("Charge ", StringComparison.Ordinal);
                if (at < 0 || last.Length < at + 7 + 32) continue;
                result[last.Substring(at + 7, 32)] = r.TokenTimes;
                if (r.HttpVersion is { } v) Protocol = v;
            }
            return result;
        }

        /// <summary>Open files of nginx's processes (master and worker).</summary>
        private int NginxOpenFiles()
        {
            var total = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                    if (pid == cluster.Nginx.ProcessId || ppid == cluster.Nginx.ProcessId) total += Directory.GetFiles(Path.Combine(dir, "fd")).Length;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            return total;
        }
    }

    /// <summary>A problem's code (and detail), without its trace id, so that the same error counts once.</summary>
    private static string ProblemCode(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            var detail = json.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            return $"{code}: {detail}";
        }
        catch (JsonException)
        {
            return body[..Math.Min(body.Length, 200)];
        }
    }

    private static readonly System.Text.RegularExpressions.Regex Ids = new("[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", System.Text.RegularExpressions.RegexOptions.Compiled);

    /// <summary>
    /// What the instances logged (Warning and above; console format: "warn: Category[id]", then the message, then the exception),
    /// each distinct entry once (ids blanked) with its count, the most frequent first.
    /// </summary>
    private static List<string> LogSummary(IEnumerable<string> output)
    {
        var lines = output.Select(l => l.StartsWith("stderr: ", StringComparison.Ordinal) ? l[8..] : l).ToList();
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (!(line.StartsWith("warn: ", StringComparison.Ordinal) || line.StartsWith("fail: ", StringComparison.Ordinal) || line.StartsWith("crit: ", StringComparison.Ordinal))) continue;
            var category = line[6..];
            if (category.IndexOf('[', StringComparison.Ordinal) is > 0 and var bracket) category = category[..bracket];
            var message = i + 1 < lines.Count ? lines[i + 1].Trim() : "";
            var exception = i + 2 < lines.Count && lines[i + 2].StartsWith("      ", StringComparison.Ordinal) && lines[i + 2].Contains("Exception", StringComparison.Ordinal)
                ? " — " + lines[i + 2].Trim() : "";
            var key = Ids.Replace($"{line[..4]} {category}: {message}{exception}", "…");
            if (key.Length > 300) key = key[..300] + "…";
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return [.. counts.OrderByDescending(kv => kv.Value).Take(6).Select(kv => $"{kv.Value} × {kv.Key}")];
    }

    /// <summary>Redis's own counters (INFO): commands processed since it started, and clients connected other than this one.</summary>
    private static async Task<(long Commands, int Clients)> RedisInfoAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("*1\r\n$4\r\nINFO\r\n"u8.ToArray());
        // A bulk string: $<length>\r\n<payload>\r\n.
        var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int? length = null;
        var headerEnd = 0;
        while (length is null || buffer.Length < headerEnd + length)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0) break;
            buffer.Write(chunk, 0, read);
            if (length is null)
            {
                var text = Encoding.ASCII.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
                var eol = text.IndexOf("\r\n", StringComparison.Ordinal);
                if (eol > 0 && text[0] == '$')
                {
                    length = int.Parse(text[1..eol], System.Globalization.CultureInfo.InvariantCulture);
                    headerEnd = eol + 2;
                }
            }
        }
        var info = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        static long Field(string info, string name)
        {
            var at = info.IndexOf("\n" + name + ":", StringComparison.Ordinal);
            if (at < 0) return -1;
            var start = at + name.Length + 2;
            var end = info.IndexOf('\r', start);
            return long.TryParse(info[start..end], System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1;
        }
        return (Field(info, "total_commands_processed"), (int)Math.Max(0, Field(info, "connected_clients") - 1));
    }

    public static void Write(Md md, ClusterResult r, FirstTokenResult? section1, ScaleResult? section6)
    {
        md.Line($"## 10. Several instances behind nginx");
        md.Line();
        md.Line($"Setup: {r.Setup}.");
        if (r.Skipped is { } skipped)
        {
            md.Line();
            md.Line($"**Skipped on this machine**: {skipped}");
            md.Line();
            return;
        }
        if (r.Failed is { } failed)
        {
            md.Line();
            md.Line($"**The section failed**: `{failed}` (the benchmark's output has the instances' and nginx's logs). Figures measured before the failure follow, if any.");
        }
        md.Line($"The instances reached the provider over {(r.ProviderProtocol.Length > 0 ? r.ProviderProtocol : "n/a")}. " +
                (r.RedisClients == 0 && r.Levels.All(l => l.RedisCommands == 0)
                    ? "**No instance connected to Redis** (no client, no command during the levels): each instance kept its answers' live state in its own memory, so these figures do not include Redis's cost yet."
                    : $"Clients connected to Redis at the end (the benchmark's own excepted): {r.RedisClients}; its commands during each level are in the table."));
        md.Line();
        if (r.FirstToken is { } ft)
        {
            md.Line("**Time to first token.** The fake answers with `ttft_ms: 0`, 5 tokens, as fast as possible (as in section 1). Four ways to it, in rotating");
            md.Line("order within each round: **direct**, the Anthropic SDK straight to the fake with THÉRÈSE's provider client settings (HTTP/2 over TLS), call →");
            md.Line("first update carrying text; **standalone**, the same build as one process as a team runs it on one machine (team mode, SQLite, no Redis,");
            md.Line("the same fake), `POST /api/chat/stream` signed in, a new conversation each time, POST → first `delta`; **one instance**, the same to one");
            md.Line("cluster instance on its own port (instance round mod 3); **through nginx**, the same through nginx, which picks the instance (round robin).");
            md.Line($"{ft.Rounds} rounds after {ft.WarmUp} warm-up rounds; each stream is read to its end before the next. Differences are paired per round.");
            md.Line($"Answers through nginx per instance: {string.Join(" / ", ft.ClusterAnswersPerInstance)}. Load average (1 min) during the measure: {ft.LoadAverage:0.00}.");
            md.Line();
            md.Line(Distribution.Header);
            md.Line(ft.Direct.Row("direct: first text"));
            md.Line(ft.Standalone.Row("standalone THÉRÈSE: first `delta`"));
            md.Line(ft.Instance.Row("one cluster instance directly: first `delta`"));
            md.Line(ft.Cluster.Row("through nginx: first `delta`"));
            md.Line(ft.StandaloneAdded.Row("added by the standalone THÉRÈSE (over direct)"));
            md.Line(ft.InstanceAdded.Row("added by one cluster instance (over direct)"));
            md.Line(ft.ClusterAdded.Row("added through nginx and the cluster (over direct)"));
            md.Line(ft.ClusterOverStandalone.Row("**through nginx − standalone** (what several instances add)"));
            md.Line(ft.InstanceOverStandalone.Row("one cluster instance − standalone (PostgreSQL and Redis)"));
            md.Line(ft.ClusterOverInstance.Row("through nginx − one cluster instance (nginx and its choice)"));
            md.Line(ft.StandaloneRequestLeg.Row("standalone: request leg (POST → fake received)"));
            md.Line(ft.InstanceRequestLeg.Row("one instance: request leg (POST → fake received)"));
            md.Line(ft.ClusterRequestLeg.Row("through nginx: request leg (POST → fake received)"));
            md.Line(ft.StandaloneReturnLeg.Row("standalone: return leg (fake flushed token 1 → client has `delta`)"));
            md.Line(ft.InstanceReturnLeg.Row("one instance: return leg (fake flushed token 1 → client has `delta`)"));
            md.Line(ft.ClusterReturnLeg.Row("through nginx: return leg (fake flushed token 1 → client has `delta`)"));
            md.Line();
            var held = ft.ClusterOverStandalone.P50 <= 1;
            md.Line($"**Through nginx, three instances add {Distribution.Ms(ft.ClusterOverStandalone.P50)} ms at p50 ({Distribution.Ms(ft.ClusterOverStandalone.P99)} ms at p99) " +
                    $"to the first token of the standalone THÉRÈSE: the goal (≤ 1 ms at p50) {(held ? "holds" : "does not hold")} in this run.** Of it, PostgreSQL and Redis " +
                    $"(one instance − standalone) {Distribution.Ms(ft.InstanceOverStandalone.P50)} ms, nginx (through nginx − one instance) {Distribution.Ms(ft.ClusterOverInstance.P50)} ms at p50" +
                    (section1 is null ? "." : $"; section 1's THÉRÈSE (in-process, personal mode, SQLite) added {Distribution.Ms(section1.ThereseAdded.P50)} ms over direct in this run."));
            md.Line();
        }
        if (r.Stop is { } st)
        {
            md.Line($"**Stop through another instance.** {st.Runs} answers of 2,000 tokens at 100 tokens/s (after two unreported rounds per instance), each started on one instance (pinned through nginx);");
            md.Line("after 2 to 12 `delta` events, `POST /api/chat/stream/{id}/stop` goes through nginx to the next instance, which passes it on over Redis");
            md.Line("pub/sub (a stop flag checked between tokens is the fallback). *Stop sent → provider connection closed* = the fake's `DisconnectedAt` − the moment");
            md.Line($"the client sent the Stop. Load average (1 min) during the measure: {st.LoadAverage:0.00}.");
            md.Line();
            md.Line(Distribution.Header);
            md.Line(st.ToProviderClosed.Row("**Stop sent to another instance → provider connection closed**"));
            md.Line(st.ToStopAnswered.Row("Stop sent → its answer received (the answer ended and its end reached Redis)"));
            md.Line();
            md.Line($"Tokens the fake sent after the Stop was sent: p50 {st.TokensAfterStop.P50:0}, p99 {st.TokensAfterStop.P99:0}, max {st.TokensAfterStop.Max:0} (one token is 10 ms). " +
                    $"Streams that ended `user_stopped`: {st.EndedStopped}/{st.Runs}; answers saved `stopped` with exactly the text the client received: {st.SavedStoppedExact}/{st.Runs}.");
            md.Line();
        }
        if (r.Levels.Count > 0)
        {
            md.Line("**Concurrent streams.** One client (this process) opens the streams through nginx at 500 a second, each a new conversation with");
            md.Line("`::fake {\"tokens\":T,\"tps\":1,\"ttft_ms\":0}`, after a warm-up of 150 short streams, and checks each one as section 6 does (one `delta` per token,");
            md.Line("ids in sequence, the text exact, a `done`); once the level is over, it reads every conversation back through nginx: *saved intact* counts the");
            md.Line("answers saved `complete` with exactly the fake's text. *Working set per stream per instance*: the three instances' VmRSS summed at each sample (every 250 ms");
            md.Line("while every stream is open), its peak − the sum before the level, ÷ streams: what a stream costs the instance that serves it. The GC heap the same");
            md.Line("way, per instance with dotnet-counters. *CPU per 1,000 tokens*: utime + stime over the whole level, of the three instances together, of nginx");
            md.Line("(master and worker), of PostgreSQL (postmaster and backends) and of Redis. *Redis commands*: Redis's own count (INFO) during the level.");
            md.Line("*Added delay*: the client's receipt of each `delta` − the fake's write of that token, for the tokens written while every stream was open.");
            md.Line();
            md.Line("| streams | complete | errors | tokens lost / reordered | saved intact | streams per instance | working set per stream per instance; GC heap | CPU per 1,000 tokens: instances; nginx; PostgreSQL; Redis | Redis commands | added delay per token p50 / p99 | first token p50 / p99 |");
            md.Line("| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var l in r.Levels)
                md.Line($"| {l.Streams:N0} | {l.Completed:N0} | {l.Errors} | {l.TokensLost} / {l.TokensReordered} | {l.SavedIntact:N0} | {string.Join(" / ", l.Instances.Select(i => i.Streams))} | " +
                        $"{l.WorkingSetPerStreamKb:0.#} KB; {l.GcHeapPerStreamKb:0.#} KB | {l.InstancesCpuMsPer1000Tokens:0.#}; {l.NginxCpuMsPer1000Tokens:0.#}; {l.PostgresCpuMsPer1000Tokens:0.#}; {l.RedisCpuMsPer1000Tokens:0.#} ms | " +
                        $"{l.RedisCommands:N0} | {Distribution.Ms(l.AddedDelay.P50)} / {Distribution.Ms(l.AddedDelay.P99)} ms | {Distribution.Ms(l.FirstToken.P50)} / {Distribution.Ms(l.FirstToken.P99)} ms |");
            md.Line();
            md.Line("| streams | ramp (s) | whole level (s) | instances' working set before → peak, summed (MB) | per instance (MB) | per stream added since the previous level (KB) | GC heap per instance before → peak (MB) | threads per instance | open files per instance; nginx | load average |");
            md.Line("| ---: | ---: | ---: | ---: | --- | ---: | --- | --- | --- | ---: |");
            ClusterLevel? previous = null;
            foreach (var l in r.Levels)
            {
                var slope = previous is null ? "" :
                    $"{((l.WorkingSetPeakMb - l.WorkingSetBaselineMb) - (previous.WorkingSetPeakMb - previous.WorkingSetBaselineMb)) * 1024.0 / (l.Streams - previous.Streams):0.#}";
                md.Line($"| {l.Streams:N0} | {l.RampSeconds:0.#} | {l.Seconds:0.#} | {l.WorkingSetBaselineMb} → {l.WorkingSetPeakMb} | " +
                        $"{string.Join(", ", l.Instances.Select(i => $"{i.WorkingSetBaselineMb} → {i.WorkingSetPeakMb}"))} | {slope} | " +
                        $"{string.Join(", ", l.Instances.Select(i => $"{i.GcHeapBaselineMb} → {i.GcHeapPeakMb}"))} | {string.Join(", ", l.Instances.Select(i => i.PeakThreads))} | " +
                        $"{string.Join(", ", l.Instances.Select(i => i.PeakOpenFiles.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}; {l.NginxPeakOpenFiles:N0} | {l.LoadAverage:0.00} |");
                previous = l;
            }
            md.Line();
            foreach (var l in r.Levels.Where(l => l.ErrorSamples.Count > 0))
                md.Line($"- Errors at {l.Streams:N0} streams (streams × what ended them): {string.Join("; ", l.ErrorSamples.Select(e => $"`{e}`"))}.");
            foreach (var l in r.Levels.Where(l => l.InstanceLog is { Count: > 0 }))
                md.Line($"- What the instances logged (Warning and above) at {l.Streams:N0} streams, entries × message: {string.Join("; ", l.InstanceLog.Select(e => $"`{e}`"))}.");
            md.Line();
            var largest = r.Levels.MaxBy(l => l.Streams)!;
            var one = section6?.Levels.Where(l => l.Kind == ScaleKind.Capacity).MinBy(l => Math.Abs(l.Streams - largest.Streams / InstanceCount));
            md.Line($"**Memory per stream per instance at {largest.Streams:N0} streams: {largest.WorkingSetPerStreamKb:0.#} KB (goal ≤ 64 KB: " +
                    $"{(largest.WorkingSetPerStreamKb <= 64 ? "holds" : "does not hold")} in this run)**" +
                    (one is null ? "." : $"; section 6's single server held {one.WorkingSetPerStreamKb:0.#} KB per stream at {one.Streams:N0} streams in this run."));
            md.Line();
        }
    }
}
