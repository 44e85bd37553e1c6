using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Therese.Bench.Processes;
using ChildProcess = Therese.Bench.Processes.ChildProcess;
using Therese.Bench.Report;
using Therese.Testing;
using Therese.TinyGguf;

namespace Therese.Bench.Scenarios;

/// <summary>One Stop of a local answer: how, how long until it was saved, and the server's CPU before and after it (cores).</summary>
public sealed record LocalStop(int Index, string How, int DeltasBeforeStop, double StopToSavedMs, string SavedStatus,
    double CpuGenerating, double CpuFirstHalfSecond, double CpuAfter, double JitAfter)
{
    /// <summary>CPU 0.5–1.5 s after the Stop on every thread but the tiered JIT's: where a generation left running would show.</summary>
    public double OtherAfter => CpuAfter - JitAfter;
}

/// <summary>Complete answers of the local model through THÉRÈSE: tokens per second from the first delta to the end.</summary>
public sealed record LocalSpeed(int Threads, int Answers, int Tokens, Distribution TokensPerSecond, double Slowest);

public sealed record LocalModelResult(string Model, int Threads, List<LocalStop> Stops, List<LocalSpeed> Speeds, double LoadAverage, string? Failed = null)
{
    /// <summary>Stops after the first few of the process (its warm-up: the JIT's work after them is a one-off).</summary>
    public IEnumerable<LocalStop> Later => Stops.Skip(Math.Min(5, Stops.Count / 2));
}

/// <summary>
/// Section 11: a model run inside THÉRÈSE (the tiny GGUF model of tools/Therese.TinyGguf, llama.cpp on the CPU), with the
/// Release build of src/Therese.Server alone in its process and driven over HTTP as a browser or curl drives it. Answers are
/// stopped by closing the connection and by the stop endpoint, in turn; the server's CPU is read per thread from /proc before
/// and after each Stop, so that what runs after it can be told apart: a generation left running, or the tiered JIT compiling
/// the hot methods of the answer's path once the stream ends (a one-off per process). Then complete answers give the speed,
/// on every core and on one thread.
/// </summary>
public static partial class LocalModelScenario
{
    private const string Model = "tiny.gguf";
    private static readonly TimeSpan Streaming = TimeSpan.FromMilliseconds(300);

    public static async Task<LocalModelResult> RunAsync(BenchOptions options, Action<string> log)
    {
        var root = Machine.RepoRoot();
        var serverDll = Path.Combine(root, "src", "Therese.Server", "bin", "Release", "net10.0", "Therese.Server.dll");
        if (!File.Exists(serverDll)) throw new FileNotFoundException($"{serverDll} is missing: build with -c Release first.");
        var work = Path.Combine(Path.GetTempPath(), "therese-local-" + Guid.NewGuid().ToString("N")[..8]);
        var data = Path.Combine(work, "data");
        Directory.CreateDirectory(Path.Combine(data, "models"));
        TinyModel.Write(Path.Combine(data, "models", Model));
        var load = Machine.Load1();
        try
        {
            var stops = new List<LocalStop>();
            var speeds = new List<LocalSpeed>();
            var threads = 0;
            foreach (var oneThread in new[] { false, true })
            {
                await using var server = await StartAsync(serverDll, root, data, oneThread);
                using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
                {
                    BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromSeconds(120),
                };
                // The model is loaded by a first short answer, as a user's first question loads it.
                await UseAsync(http, maxTokens: 20);
                await using (var first = await ChatStreamReader.OpenAsync(http, new { content = "Bonjour" })) await first.ReadToEndAsync();
                var used = server.Threads();
                if (!oneThread)
                {
                    threads = used;
                    await UseAsync(http, maxTokens: 100_000);
                    var runs = options.Quick ? 4 : 20;
                    log($"[local] 11. {runs} Stops of the tiny model ({used} threads), by closing the connection and by the stop endpoint in turn");
                    for (var i = 0; i < runs; i++) stops.Add(await StopAsync(http, server.Process.Pid, i, i % 2 == 0 ? "disconnect" : "endpoint"));
                }
                var answers = options.Quick ? 1 : 5;
                log($"[local] 11. speed: {answers} answer(s) of 1,000 tokens on {used} thread(s)");
                await UseAsync(http, maxTokens: 1000);
                var perSecond = new List<double>();
                for (var i = 0; i < answers; i++)
                {
                    await using var answer = await ChatStreamReader.OpenAsync(http, new { content = $"Écris un long texte ({i})." });
                    var events = await answer.ReadToEndAsync();
                    var done = events.Single(e => !e.IsDoneMarker && e.Type == "done");
                    var tokens = done.Json.GetProperty("usage").GetProperty("output_tokens").GetInt32();
                    var seconds = Stopwatch.GetElapsedTime(answer.Deltas.First().Ticks, done.Ticks).TotalSeconds;
                    perSecond.Add(tokens / seconds);
                }
                speeds.Add(new LocalSpeed(used, answers, 1000, Distribution.Of(perSecond), perSecond.Min()));
            }
            return new LocalModelResult(Model, threads, stops, speeds, Math.Max(load, Machine.Load1()));
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TimeoutException or IOException or JsonException)
        {
            log($"[local] failed: {ex.Message}");
            return new LocalModelResult(Model, 0, [], [], Math.Max(load, Machine.Load1()), ex.Message.Split('\n')[0]);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private sealed record Server(ChildProcess Process, string Url) : IAsyncDisposable
    {
        /// <summary>The threads llama.cpp was given, as the server logs it when it loads the model.</summary>
        public int Threads() => Process.Output.Select(l => ThreadsLogged().Match(l)).LastOrDefault(m => m.Success) is { } m
            ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("The server did not log the model's threads:\n" + string.Join('\n', Process.Output.TakeLast(20)));

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    private static async Task<Server> StartAsync(string serverDll, string root, string data, bool oneThread)
    {
        var url = $"http://127.0.0.1:{ChildProcess.FreePort()}";
        var process = ChildProcess.Start("dotnet", [serverDll, "--urls", url, "--Therese:DataDir=" + data,
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Therese.Server.Llm.Local.LocalModelHost=Information",
            .. oneThread ? new[] { "--Therese:Local:Threads=1" } : []], root,
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        using var probe = new HttpClient();
        await process.WaitUntilAnswersAsync(probe, url + "/api/settings", TimeSpan.FromSeconds(60));
        return new Server(process, url);
    }

    /// <summary>The local model, chosen in the settings as the page does (max_tokens applies to the next answer).</summary>
    private static async Task UseAsync(HttpClient http, int maxTokens)
    {
        using var saved = await http.PutAsJsonAsync("/api/settings", new { provider = "local", model = Model, max_tokens = maxTokens });
        if (saved.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"PUT /api/settings answered {(int)saved.StatusCode}: {await saved.Content.ReadAsStringAsync()}");
    }

    private static async Task<LocalStop> StopAsync(HttpClient http, int pid, int index, string how)
    {
        using var cancel = new CancellationTokenSource();
        var stream = await ChatStreamReader.OpenAsync(http, new { content = $"Écris longuement ({index})." }, cancel.Token);
        await stream.NextOfTypeAsync("delta");
        var streaming = Stopwatch.StartNew();
        await stream.NextOfTypeAsync("delta");
        var cpuStart = ThreadCpu.Read(pid);
        var generatingFrom = Stopwatch.GetTimestamp();
        while (streaming.Elapsed < Streaming) await stream.NextOfTypeAsync("delta");
        var conversationId = stream.ConversationId!;
        var messageId = stream.MessageId!;
        var deltas = stream.Deltas.Count();

        var atStop = ThreadCpu.Read(pid);
        var stopAt = Stopwatch.GetTimestamp();
        var generating = atStop.Since(cpuStart).All / Stopwatch.GetElapsedTime(generatingFrom, stopAt).TotalSeconds;
        if (how == "disconnect")
        {
            await cancel.CancelAsync();
            await stream.DisposeAsync();
        }
        else
        {
            using (var stop = await http.PostAsync($"/api/chat/stream/{messageId}/stop", null))
                if (!stop.IsSuccessStatusCode)
                    throw new InvalidOperationException($"POST /api/chat/stream/{messageId}/stop answered {(int)stop.StatusCode}: {await stop.Content.ReadAsStringAsync()}");
            await stream.ReadToEndAsync();
            await stream.DisposeAsync();
        }
        var (status, savedMs) = await SavedAsync(http, conversationId, stopAt);

        await WaitUntil(stopAt, TimeSpan.FromSeconds(0.5));
        var half = ThreadCpu.Read(pid);
        var halfAt = Stopwatch.GetTimestamp();
        await WaitUntil(stopAt, TimeSpan.FromSeconds(1.5));
        var end = ThreadCpu.Read(pid);
        var window = Stopwatch.GetElapsedTime(halfAt).TotalSeconds;
        var (all, jit) = end.Since(half);
        var firstHalf = half.Since(atStop).All / Stopwatch.GetElapsedTime(stopAt, halfAt).TotalSeconds;
        // Quiet before the next answer, so that each Stop starts from an idle server.
        await WaitUntil(stopAt, TimeSpan.FromSeconds(2.5));
        return new LocalStop(index + 1, how, deltas, savedMs, status, generating, firstHalf, all / window, jit / window);
    }

    /// <summary>Polls the answer until it is saved with its end; returns its status and the time since the Stop.</summary>
    private static async Task<(string Status, double Ms)> SavedAsync(HttpClient http, string conversationId, long stopAt)
    {
        while (Stopwatch.GetElapsedTime(stopAt) < TimeSpan.FromSeconds(10))
        {
            using var response = await http.GetAsync($"/api/conversations/{conversationId}");
            // Its rows are written a moment after the model starts: on a loaded machine, that can be after the Stop.
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                await Task.Delay(5);
                continue;
            }
            response.EnsureSuccessStatusCode();
            var conversation = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var status = conversation.GetProperty("messages").EnumerateArray().Last().GetProperty("status").GetString()!;
            if (status != "streaming") return (status, Stopwatch.GetElapsedTime(stopAt).TotalMilliseconds);
            await Task.Delay(5);
        }
        return ("streaming", double.NaN);
    }

    private static async Task WaitUntil(long from, TimeSpan after)
    {
        var left = after - Stopwatch.GetElapsedTime(from);
        if (left > TimeSpan.Zero) await Task.Delay(left);
    }

    public static void Write(Md md, LocalModelResult r)
    {
        md.Line("## 11. A model inside THÉRÈSE: Stop and speed");
        md.Line();
        if (r.Failed is { } failed)
        {
            md.Line($"Not measured: {failed}");
            md.Line();
            return;
        }
        md.Line($"The tiny test model (`tools/Therese.TinyGguf`, 4 MB, about a million parameters) run by llama.cpp inside the Release build of");
        md.Line($"`src/Therese.Server`, alone in its process (Production, SQLite, {r.Threads} threads: the default, one per physical core), driven over HTTP.");
        md.Line($"After a first short answer (the model loads), {r.Stops.Count} answers are each stopped after {Streaming.TotalMilliseconds:0} ms of streaming, in turn by");
        md.Line("closing the connection (`MaxResponseDrainSize = 0`, as a browser does) and by `POST /api/chat/stream/{id}/stop`; 2.5 s between two Stops.");
        md.Line("CPU is read per thread in `/proc/{pid}/task` (schedstat) and given in cores (1.00 = one core busy): while generating (the last");
        md.Line("~250 ms before the Stop), in the first half second after it, and from 0.5 to 1.5 s after it, split into the tiered JIT's background");
        md.Line($"compilation thread (`{ThreadCpu.TieredJit}`) and every other thread (llama.cpp's and OpenMP's included). Load average (1 min): {r.LoadAverage:0.00}.");
        md.Line();
        md.Line("| # | Stop by | deltas before | Stop → saved (ms) | saved | CPU generating | CPU 0–0.5 s after | CPU 0.5–1.5 s after | of it, tiered JIT | of it, other threads |");
        md.Line("| ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in r.Stops)
            md.Line($"| {s.Index} | {s.How} | {s.DeltasBeforeStop} | {Distribution.Ms(s.StopToSavedMs)} | {s.SavedStatus} | {s.CpuGenerating:0.00} | {s.CpuFirstHalfSecond:0.00} | {s.CpuAfter:0.00} | {s.JitAfter:0.00} | {s.OtherAfter:0.00} |");
        md.Line();
        md.Line(Distribution.Header);
        foreach (var how in new[] { "disconnect", "endpoint" })
            md.Line(Distribution.Of(r.Stops.Where(s => s.How == how).Select(s => s.StopToSavedMs)).Row($"Stop ({how}) → answer saved (API polled every 5 ms)"));
        md.Line();
        md.Line("Speed of complete answers of 1,000 tokens (first delta → `done`, on the client; tokens from the answer's `usage`):");
        md.Line();
        md.Line("| threads | answers | tokens/s p50 | min | max |");
        md.Line("| ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in r.Speeds)
            md.Line($"| {s.Threads} | {s.Answers} | {s.TokensPerSecond.P50:N0} | {s.Slowest:N0} | {s.TokensPerSecond.Max:N0} |");
        md.Line();
        md.Line("A real model computes about a thousand times more per token: these speeds measure THÉRÈSE's path (llama.cpp's per-token overhead,");
        md.Line("the stream), not a model's.");
        md.Line();
    }

    /// <summary>The README's line.</summary>
    public static string Summary(LocalModelResult r)
    {
        if (r.Failed is { } failed) return $"- A model inside THÉRÈSE: not measured ({failed}).";
        var first = r.Stops.FirstOrDefault();
        var later = r.Later.ToList();
        var speeds = string.Join(", ", r.Speeds.Select(s => $"{s.TokensPerSecond.P50:N0} tokens/s on {s.Threads} thread{(s.Threads > 1 ? "s" : "")}"));
        return $"- A model inside THÉRÈSE (the 4 MB test model, server alone in its process): {speeds}. After a Stop (p50 {Distribution.Ms(Distribution.Of(r.Stops.Select(s => s.StopToSavedMs)).P50)} ms to the saved answer),"
               + $" the server used {Cores(first?.CpuAfter)} cores from 0.5 to 1.5 s after the first Stop of the process ({Cores(first?.JitAfter)} of them the tiered JIT compiling the answer's path), "
               + $"{Cores(Median(later.Select(s => s.CpuAfter)))} after stops {later.FirstOrDefault()?.Index}–{later.LastOrDefault()?.Index} (median); every thread but the JIT's: at most {Cores(r.Stops.Select(s => s.OtherAfter).DefaultIfEmpty(double.NaN).Max())} cores.";
    }

    private static string Cores(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "n/a";

    private static double Median(IEnumerable<double> values) => Distribution.Of(values).P50;

    [GeneratedRegex(@"context \d+ tokens, (\d+) threads\)")]
    private static partial Regex ThreadsLogged();
}
