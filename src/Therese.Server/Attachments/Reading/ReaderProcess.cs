using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Therese.Server.Attachments.Reading;

/// <summary>
/// Reads a file in a child process: THÉRÈSE's own program with <see cref="ReaderWorker.Argument"/>, on the same runtime,
/// so there is nothing else to ship. The child gets a GC heap cap; past <see cref="AttachmentsOptions.ReadTimeoutSeconds"/>
/// or past <see cref="AttachmentsOptions.ReaderMemoryMegabytes"/> of memory (watched from here, native memory included)
/// it is killed, and the file is refused (422). A crash of the child (a stack overflow in a parser) is a refusal too.
/// </summary>
public sealed class ReaderProcess(IOptions<AttachmentsOptions> options, ILogger<ReaderProcess> logger)
{
    public const string TooMuchMemory = "Ce fichier demande bien trop de mémoire pour être lu : THÉRÈSE l’a refusé par prudence.";
    private const string TooSlow = "La lecture de ce fichier a pris trop de temps : THÉRÈSE l’a arrêtée. Le fichier est peut-être endommagé, ou piégé.";
    private const string Crashed = "Ce fichier n’a pas pu être lu : il semble endommagé.";

    /// <summary>Two readings at once at most: each may take hundreds of megabytes.</summary>
    private readonly SemaphoreSlim _slots = new(2);

    /// <summary>What a reading cost, for the benchmark.</summary>
    public sealed record Cost(TimeSpan Elapsed, long PeakMemoryBytes);

    public async Task<FileReading> ReadAsync(byte[] bytes, CancellationToken ct) => (await ReadMeasuredAsync(bytes, ct)).Reading;

    public async Task<(FileReading Reading, Cost Cost)> ReadMeasuredAsync(byte[] bytes, CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        try
        {
            return await RunAsync(bytes, ct);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<(FileReading, Cost)> RunAsync(byte[] bytes, CancellationToken ct)
    {
        var o = options.Value;
        var memoryCap = o.ReaderMemoryMegabytes * 1024L * 1024;
        var start = Stopwatch.StartNew();
        using var process = new Process { StartInfo = StartInfo(o) };
        process.Start();
        long peak = 0;
        try
        {
            using var stdout = new MemoryStream();
            var reading = process.StandardOutput.BaseStream.CopyToAsync(stdout, ct);
            var errors = process.StandardError.ReadToEndAsync(ct);
            var writing = WriteInputAsync(process, bytes, ct);
            var timeout = TimeSpan.FromSeconds(o.ReadTimeoutSeconds);
            while (!process.HasExited)
            {
                if (start.Elapsed > timeout)
                {
                    Kill(process);
                    logger.LogWarning("A file reader ran past {Seconds} s and was killed", o.ReadTimeoutSeconds);
                    throw ReadFailure.Corrupt(TooSlow);
                }
                peak = Math.Max(peak, WorkingSet(process));
                if (peak > memoryCap)
                {
                    Kill(process);
                    logger.LogWarning("A file reader went past {Megabytes} MB and was killed", o.ReaderMemoryMegabytes);
                    throw ReadFailure.Corrupt(TooMuchMemory);
                }
                await Task.WhenAny(process.WaitForExitAsync(ct), Task.Delay(20, ct));
                ct.ThrowIfCancellationRequested();
            }
            await writing;
            await reading;
            var stderr = await errors;
            ReaderWorker.Answer? answer = null;
            if (process.ExitCode == 0 && stdout.Length > 0)
            {
                stdout.Position = 0;
                try
                {
                    answer = await JsonSerializer.DeserializeAsync<ReaderWorker.Answer>(stdout, ReaderWorker.Json, ct);
                }
                catch (JsonException)
                {
                    answer = null;
                }
            }
            if (answer is null)
            {
                logger.LogWarning("A file reader ended with code {Code} and no answer: {Error}", process.ExitCode, Shorten(stderr));
                if (process.ExitCode == 0) throw ReadFailure.Corrupt(Crashed);
                // A heap cap reached ends the reader with an out-of-memory failure.
                throw ReadFailure.Corrupt(stderr.Contains("OutOfMemory", StringComparison.Ordinal) ? TooMuchMemory : Crashed);
            }
            if (answer.Failure is { } failure) throw new ReadFailure(failure.Status, failure.Code, failure.Detail);
            return (answer.Reading!, new Cost(start.Elapsed, Math.Max(peak, answer.PeakMemoryBytes)));
        }
        finally
        {
            if (!process.HasExited) Kill(process);
        }
    }

    private static async Task WriteInputAsync(Process process, byte[] bytes, CancellationToken ct)
    {
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(bytes, ct);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The reader stopped before reading everything: its exit says why.
        }
    }

    private static long WorkingSet(Process process)
    {
        try
        {
            process.Refresh();
            return process.WorkingSet64;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Shorten(string text) => text.Length <= 500 ? text.Trim() : text[..500].Trim() + "…";

    private static ProcessStartInfo StartInfo(AttachmentsOptions o)
    {
        var (file, prefix) = SelfCommand.Value;
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in prefix) start.ArgumentList.Add(arg);
        start.ArgumentList.Add(ReaderWorker.Argument);
        start.ArgumentList.Add(JsonSerializer.Serialize(o.Limits, ReaderWorker.Json));
        // The managed heap stops at three quarters of the cap (the rest is the runtime and native buffers, watched from here).
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + (o.ReaderMemoryMegabytes * 1024L * 1024 * 3 / 4).ToString("X", CultureInfo.InvariantCulture);
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_TieredPGO"] = "0";
        return start;
    }

    /// <summary>
    /// How to start this very program again: its own executable when THÉRÈSE runs from it (dotnet run, a published app),
    /// otherwise Therese.Server.dll on the dotnet host that runs this process (tests and benchmarks host the server inside
    /// their own process, with THÉRÈSE's files beside theirs).
    /// </summary>
    private static readonly Lazy<(string File, string[] Prefix)> SelfCommand = new(() =>
    {
        var self = Environment.ProcessPath;
        var host = self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet";
        // THÉRÈSE's own executable, whatever a package renamed it to (a self-contained or single-file app has no dotnet host).
        if (self is not null && !host && (Path.GetFileNameWithoutExtension(self) == "Therese.Server"
            || System.Reflection.Assembly.GetEntryAssembly() == typeof(ReaderWorker).Assembly))
            return (self, []);
        // Beside the host's files (Assembly.Location is empty in a single-file app, which the branch above serves).
        var dll = Path.Combine(AppContext.BaseDirectory, typeof(ReaderWorker).Assembly.GetName().Name + ".dll");
        if (!File.Exists(dll)) throw new InvalidOperationException("THÉRÈSE cannot find its own program to start the file reader.");
        var dotnet = host
            ? self!
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath : "dotnet";
        return (dotnet, [dll]);
    });
}
