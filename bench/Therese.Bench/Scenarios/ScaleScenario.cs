using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Therese.Bench.Processes;
using Therese.Bench.Report;
using Therese.FakeLlm;

namespace Therese.Bench.Scenarios;

public enum ScaleKind { Capacity, Throughput }

public sealed record ScaleLevel(
    ScaleKind Kind, int Streams, double Tps, int TokensPerStream, double RampSeconds,
    int Completed, int Errors, long TokensExpected, long TokensReceived, long TokensLost, long TokensReordered, List<string> ErrorSamples,
    double WorkingSetPerStreamKb, double GcHeapPerStreamKb, long WorkingSetBaselineMb, long WorkingSetPeakMb, long GcHeapBaselineMb, long GcHeapPeakMb,
    double CpuMsPer1000Tokens, double PlateauCpuMsPer1000Tokens, double ServerCpuCores,
    Distribution AddedDelay, Distribution AddedDelayWhileOpening, Distribution FirstToken, int PeakThreads, int PeakOpenFiles, string ProviderProtocol, double LoadAverage, double Seconds);

public sealed record ScaleResult(List<ScaleLevel> Levels, string Setup);

/// <summary>
/// Section 6: many concurrent streams, with the load client (this process), the fake provider and THÉRÈSE
/// in three processes, so that the open-files limit applies to THÉRÈSE alone. THÉRÈSE is the Release build
/// of src/Therese.Server started on its own (persistence on, a temp data folder); the fake is
/// tools/Therese.FakeLlm standalone over HTTPS with a throwaway certificate that THÉRÈSE trusts through
/// SSL_CERT_FILE, so THÉRÈSE reaches it over HTTP/2 as it reaches the real providers (many answers per connection).
/// </summary>
public static class ScaleScenario
{
    public static async Task<ScaleResult> RunAsync(BenchOptions options, Action<string> log)
    {
        var root = Machine.RepoRoot();
        var work = Path.Combine(Path.GetTempPath(), "therese-scale-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var (certFile, keyFile) = WriteCertificate(work);
        var serverDll = Path.Combine(root, "src", "Therese.Server", "bin", "Release", "net10.0", "Therese.Server.dll");
        var fakeDll = Path.Combine(root, "tools", "Therese.FakeLlm", "bin", "Release", "net10.0", "Therese.FakeLlm.dll");
        foreach (var dll in new[] { serverDll, fakeDll })
            if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is missing: build with -c Release first.");

        var fakePort = ChildProcess.FreePort();
        var serverPort = ChildProcess.FreePort();
        var fakeUrl = $"https://127.0.0.1:{fakePort}";
        var serverUrl = $"http://127.0.0.1:{serverPort}";
        log($"[scale] fake provider on {fakeUrl}, THÉRÈSE on {serverUrl}, data in {work}");
        await using var fake = ChildProcess.Start("dotnet", [fakeDll, "--urls", fakeUrl,
            "--Kestrel:Certificates:Default:Path=" + certFile, "--Kestrel:Certificates:Default:KeyPath=" + keyFile], root);
        await using var server = ChildProcess.Start("dotnet", [serverDll, "--urls", serverUrl,
            "--Therese:DataDir=" + Path.Combine(work, "data"),
            "--Therese:Llm:Provider=anthropic", "--Therese:Llm:ApiKey=k", "--Therese:Llm:BaseUrl=" + fakeUrl, "--Therese:Llm:Model=fake-model",
            "--Therese:Llm:MaxRetries=0", "--Therese:Llm:MaxTokens=16000", "--Logging:LogLevel:Default=Warning",
            // Every stream comes from one client (this process): the default limits (16 answers at once, 8 per client) would refuse the rest.
            "--Therese:Limits:MaxConcurrentAnswers=100000", "--Therese:Limits:MaxConcurrentAnswersPerClient=100000",
            .. (Environment.GetEnvironmentVariable("THERESE_BENCH_SERVER_ARGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)], root,
            new Dictionary<string, string> { ["SSL_CERT_FILE"] = certFile, ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        using var control = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { Timeout = TimeSpan.FromSeconds(120) };
        await fake.WaitUntilAnswersAsync(control, fakeUrl + "/", TimeSpan.FromSeconds(30));
        await server.WaitUntilAnswersAsync(control, serverUrl + "/api/settings", TimeSpan.FromSeconds(60));
        await using var counters = RuntimeCounters.Start(server.Pid, root, work);

        var levels = new List<ScaleLevel>();
        var client = new LoadClient(serverUrl, fakeUrl, control, server, counters, options.Quick, log);
        // Warm-up (not reported): JIT, thread pool, connections, SQLite.
        await client.RunLevelAsync(ScaleKind.Capacity, options.Quick ? 20 : 200, tps: 5, tokens: options.Quick ? 5 : 10, rampSeconds: 1);
        // Throughput first (1,000 streams at 20 tokens/s: the server has then served answers at full pace, as a server that has
        // been up for a while), then capacity: long answers at 1 token/s, opened at 500 a second, every stream open at once for a while.
        levels.Add(await client.RunLevelAsync(ScaleKind.Throughput, options.Quick ? 50 : 1000, tps: 20, tokens: options.Quick ? 40 : 400, rampSeconds: options.Quick ? 1 : 2));
        foreach (var n in options.ScaleLevels)
        {
            var ramp = Math.Max(1, n / 500.0);
            levels.Add(await client.RunLevelAsync(ScaleKind.Capacity, n, tps: 1, tokens: options.Quick ? 3 : (int)ramp + 25, rampSeconds: ramp));
        }

        try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return new ScaleResult(levels, "load client (the benchmark), tools/Therese.FakeLlm (HTTPS, HTTP/2) and src/Therese.Server (Release, server GC, SQLite) as three processes on loopback");
    }

    /// <summary>A throwaway certificate for 127.0.0.1, as PEM files for the fake's Kestrel and THÉRÈSE's SSL_CERT_FILE.</summary>
    private static (string Cert, string Key) WriteCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        var certFile = Path.Combine(folder, "fake.crt");
        var keyFile = Path.Combine(folder, "fake.key");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    /// <summary>Opens many streams against THÉRÈSE and checks each one, token by token.</summary>
    private sealed class LoadClient(string serverUrl, string fakeUrl, HttpClient control, ChildProcess server, RuntimeCounters counters, bool quick, Action<string> log)
    {
        private sealed class Stream(string marker)
        {
            public string Marker { get; } = marker;
            public List<(long Id, string Text, DateTimeOffset At)> Deltas { get; } = new(32);
            public DateTimeOffset SentAt;
            public string? Error;
            public bool Done;
        }

        public async Task<ScaleLevel> RunLevelAsync(ScaleKind kind, int n, double tps, int tokens, double rampSeconds)
        {
            log($"[scale] {kind}: {n:N0} streams, {tokens} tokens at {tps} tokens/s, opened over {rampSeconds:0.#} s");
            var load = Machine.Load1();
            await control.DeleteAsync(fakeUrl + "/_fake/log");
            await Task.Delay(quick ? 500 : 2000);
            var baseline = ProcStats.Read(server.Pid);
            var baselineAt = DateTime.Now;
            var started = Stopwatch.StartNew();
            var levelStartUtc = DateTimeOffset.UtcNow;

            using var http = new HttpClient(new SocketsHttpHandler
            {
                MaxResponseDrainSize = 0,
                PooledConnectionLifetime = TimeSpan.FromMinutes(10),
                ConnectTimeout = TimeSpan.FromSeconds(60),
            }) { Timeout = Timeout.InfiniteTimeSpan, BaseAddress = new Uri(serverUrl) };
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

            // Plateau: every stream open, none finished yet (the first opened ends tokens/tps after it started).
            var plateauEnd = TimeSpan.FromSeconds(tokens / tps) - TimeSpan.FromSeconds(1);
            var samples = new List<ProcStats>();
            var plateauStartAt = DateTime.Now;
            var plateauCpu0 = ProcStats.Read(server.Pid);
            var plateauTokens0 = streams.Sum(s => s.Deltas.Count);
            while (started.Elapsed < plateauEnd && !tasks.All(t => t.IsCompleted))
            {
                samples.Add(ProcStats.Read(server.Pid));
                await Task.Delay(250);
            }
            var plateauCpu1 = ProcStats.Read(server.Pid);
            var plateauTokens1 = streams.Sum(s => s.Deltas.Count);
            var plateauEndAt = DateTime.Now;
            if (samples.Count == 0) samples.Add(plateauCpu1);

            var all = Task.WhenAll(tasks);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(tokens / tps + rampSeconds + 60)));
            var after = ProcStats.Read(server.Pid);
            var seconds = started.Elapsed.TotalSeconds;
            // dotnet-counters writes its file in bursts: read both windows once the level is over.
            var heapBaseline = counters.GcHeap(baselineAt.AddSeconds(-2), baselineAt) ?? 0;
            var heapPeak = counters.GcHeap(plateauStartAt, plateauEndAt) ?? 0;

            // The fake's write time of every token, matched to each stream by its marker.
            var written = await WrittenAsync();
            var expected = FakeText.Text(tokens);
            long received = 0, lost = 0, reordered = 0;
            var errors = 0;
            var errorSamples = new List<string>();
            // Steady state: tokens written once every stream was open (after the ramp) and before the first one ended.
            var steadyFrom = levelStartUtc + TimeSpan.FromSeconds(rampSeconds + 1);
            var steadyTo = levelStartUtc + plateauEnd;
            var added = new List<double>();
            var addedOpening = new List<double>();
            var first = new List<double>();
            foreach (var s in streams)
            {
                received += s.Deltas.Count;
                if (s.Error is not null || !s.Done)
                {
                    errors++;
                    if (errorSamples.Count < 5) errorSamples.Add(s.Error ?? "no done event");
                }
                var inOrder = s.Deltas.Select((d, i) => d.Id == s.Deltas[0].Id + i).All(x => x);
                var text = string.Concat(s.Deltas.Select(d => d.Text));
                lost += Math.Max(0, tokens - s.Deltas.Count);
                if (!inOrder || (s.Deltas.Count == tokens && text != expected)) reordered++;
                if (s.Deltas.Count > 0) first.Add((s.Deltas[0].At - s.SentAt).TotalMilliseconds);
                if (written.TryGetValue(s.Marker, out var times) && times.Count == s.Deltas.Count)
                    for (var k = 0; k < times.Count; k++)
                        (times[k] >= steadyFrom && times[k] <= steadyTo ? added : addedOpening).Add((s.Deltas[k].At - times[k]).TotalMilliseconds);
            }
            var peakRss = samples.Max(x => x.RssBytes);
            var totalTokens = (double)received;
            var level = new ScaleLevel(kind, n, tps, tokens, rampSeconds, streams.Count(s => s.Done && s.Error is null), errors, (long)n * tokens, received, lost, reordered,
                errorSamples,
                (peakRss - baseline.RssBytes) / 1024.0 / n, heapPeak > 0 ? (heapPeak - heapBaseline) / 1024.0 / n : double.NaN,
                baseline.RssBytes / 1048576, peakRss / 1048576, heapBaseline / 1048576, heapPeak / 1048576,
                totalTokens == 0 ? double.NaN : (after.CpuSeconds - baseline.CpuSeconds) * 1000 / (totalTokens / 1000),
                plateauTokens1 == plateauTokens0 ? double.NaN : (plateauCpu1.CpuSeconds - plateauCpu0.CpuSeconds) * 1000 / ((plateauTokens1 - plateauTokens0) / 1000.0),
                (after.CpuSeconds - baseline.CpuSeconds) / seconds,
                Distribution.Of(added), Distribution.Of(addedOpening), Distribution.Of(first), samples.Max(x => x.Threads), samples.Max(x => x.OpenFiles),
                _protocol, Math.Max(load, Machine.Load1()), Math.Round(seconds, 1));
            log($"[scale]   {level.Completed:N0}/{n:N0} complete, {errors} errors, lost {lost}, RSS +{level.WorkingSetPerStreamKb:0.#} KB/stream, " +
                $"CPU {level.CpuMsPer1000Tokens:0.#} ms/1000 tokens, added delay p99 {Distribution.Ms(level.AddedDelay.P99)} ms, fds {level.PeakOpenFiles}");
            return level;
        }

        /// <summary>How THÉRÈSE reached the fake (HTTP/2 expected), from the fake's log.</summary>
        private string _protocol = "";

        private async Task ReadAsync(HttpClient http, Stream s, string directive)
        {
            await Task.Yield();
            try
            {
                var body = JsonSerializer.Serialize(new { content = $"Charge {s.Marker}\n::fake {directive}" });
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/stream") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                s.SentAt = DateTimeOffset.UtcNow;
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    s.Error = $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
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
                    else if (type == "error") s.Error = "error event: " + item.Data;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                s.Error = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        /// <summary>Per stream marker, when the fake wrote each token (from its log).</summary>
        private async Task<Dictionary<string, List<DateTimeOffset>>> WrittenAsync()
        {
            var result = new Dictionary<string, List<DateTimeOffset>>();
            await using var body = await control.GetStreamAsync(fakeUrl + "/_fake/log");
            using var doc = await JsonDocument.ParseAsync(body);
            foreach (var r in doc.RootElement.EnumerateArray())
            {
                var last = r.GetProperty("messages").EnumerateArray().LastOrDefault().GetProperty("content").GetString() ?? "";
                var at = last.IndexOf("Charge ", StringComparison.Ordinal);
                if (at < 0) continue;
                var marker = last.Substring(at + 7, 32);
                result[marker] = [.. r.GetProperty("token_times").EnumerateArray().Select(t => t.GetDateTimeOffset())];
                if (r.TryGetProperty("http_version", out var v)) _protocol = v.GetString() ?? "";
            }
            return result;
        }
    }

    public static string Table(ScaleResult r)
    {
        var md = new Md();
        md.Line("| streams | tokens/s each | complete | errors | tokens lost / reordered | server memory per stream (working set; GC heap) | CPU per 1,000 tokens (whole run; streaming only) | added delay per token p50 / p99 (all open; while opening) | first token p50 |");
        md.Line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var l in r.Levels)
            md.Line($"| {l.Streams:N0} | {l.Tps:0.#} | {l.Completed:N0} | {l.Errors} | {l.TokensLost} / {l.TokensReordered} | {l.WorkingSetPerStreamKb:0.#} KB; {l.GcHeapPerStreamKb:0.#} KB | {l.CpuMsPer1000Tokens:0.#} ms; {l.PlateauCpuMsPer1000Tokens:0.#} ms | {Distribution.Ms(l.AddedDelay.P50)} / {Distribution.Ms(l.AddedDelay.P99)} ms; {Distribution.Ms(l.AddedDelayWhileOpening.P50)} / {Distribution.Ms(l.AddedDelayWhileOpening.P99)} ms | {Distribution.Ms(l.FirstToken.P50)} ms |");
        return md.ToString();
    }

    public static void Write(Md md, ScaleResult r)
    {
        md.Line("## 6. Concurrent streams");
        md.Line();
        md.Line($"Setup: {r.Setup}. After a warm-up of 200 short streams, 1,000 streams at 20 tokens/s, then 1,000, 5,000 and 10,000 at 1 token/s.");
        md.Line("The client opens the streams evenly over the ramp, each a new conversation with");
        md.Line("`::fake {\"tokens\":T,\"tps\":R,\"ttft_ms\":0}`, reads every event, and checks each stream: one `delta` per token, ids in sequence, the text exact, a `done`.");
        md.Line("*Memory per stream*: (the server's peak VmRSS while every stream is open − its VmRSS before the level) ÷ streams; the GC heap the same way,");
        md.Line("from `dotnet.gc.last_collection.heap.size` (all generations, read with dotnet-counters every second). The working set figure depends on what");
        md.Line("the process had already committed before the level (memory the runtime keeps after a busier level is not counted again): the slope between");
        md.Line("two capacity levels, in the second table, is what one more stream costs. *CPU*: utime + stime of the server (/proc) per 1,000 tokens relayed,");
        md.Line("over the whole level (opening, saving and closing the answers included) and over the plateau alone. *Added delay*: the client's receipt of each");
        md.Line("`delta` − the fake's write of that token (its `token_times`), which also counts the client's own delay on the shared cores; *all open* counts the tokens");
        md.Line("written once every stream was open (from 1 s after the ramp until the first stream ended), *while opening* the others (the ramp, when the");
        md.Line("server also starts answers and saves their rows, and the end).");
        md.Line($"THÉRÈSE reached the provider over {string.Join(", ", r.Levels.Select(l => l.ProviderProtocol).Distinct())}.");
        md.Line();
        md.Line(Table(r));
        md.Line("| streams | ramp (s) | whole level (s) | working set before → peak (MB) | working set per stream added since the previous capacity level (KB) | GC heap before → peak (MB) | server CPU (cores) | threads | open files | load average |");
        md.Line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        ScaleLevel? previous = null;
        foreach (var l in r.Levels)
        {
            // The slope between two capacity levels: what one more stream costs, apart from what the first streams grew once.
            var marginal = previous is null || l.Kind != ScaleKind.Capacity ? "" :
                $"{((l.WorkingSetPeakMb - l.WorkingSetBaselineMb) - (previous.WorkingSetPeakMb - previous.WorkingSetBaselineMb)) * 1024.0 / (l.Streams - previous.Streams):0.#}";
            md.Line($"| {l.Streams:N0} ({l.Kind.ToString().ToLowerInvariant()}) | {l.RampSeconds:0.#} | {l.Seconds:0.#} | {l.WorkingSetBaselineMb} → {l.WorkingSetPeakMb} | {marginal} | {l.GcHeapBaselineMb} → {l.GcHeapPeakMb} | {l.ServerCpuCores:0.00} | {l.PeakThreads} | {l.PeakOpenFiles:N0} | {l.LoadAverage:0.00} |");
            if (l.Kind == ScaleKind.Capacity) previous = l;
        }
        md.Line();
        foreach (var l in r.Levels.Where(l => l.ErrorSamples.Count > 0))
            md.Line($"Errors at {l.Streams:N0} streams, first ones: {string.Join("; ", l.ErrorSamples.Select(e => $"`{e}`"))}.");
        md.Line("![Server memory per stream and added delay against concurrent streams](scale.svg)");
        md.Line();
    }
}
