using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Therese.Server.Chat;

namespace Therese.Server.LocalModels;

/// <summary>What asking for a download led to; the endpoint maps it to HTTP.</summary>
public abstract record DownloadStart
{
    public sealed record Started(ModelDownload Download) : DownloadStart;
    public sealed record AlreadyRunning(ModelDownload Download) : DownloadStart;
    public sealed record AlreadyInstalled : DownloadStart;

    /// <summary>Another repo's file of the same name is being written to the same place.</summary>
    public sealed record FileBusy(ModelDownload Other) : DownloadStart;
}

public enum CancelOutcome { NotFound, Cancelled, AlreadyDone }

/// <summary>
/// The downloads of local models, one at a time in the background, into <c>{file}.part</c> in the models folder.
/// A download resumes with Range after a dropped connection, checks the SHA-256 the hub advertised, then renames the
/// file into place. Stopping THÉRÈSE keeps the part and its sidecar; the next start lists the download as failed with
/// code <c>interrupted</c>, and asking for the same file again resumes from the bytes on disk.
/// </summary>
public sealed partial class ModelDownloads(
    ModelsFolder folder, HubClient hub, IOptions<LocalModelsOptions> options, TimeProvider clock, ILogger<ModelDownloads> logger)
    : IHostedService
{
    private const int BufferBytes = 128 * 1024;
    private static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ModelDownload> _downloads = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>One at a time: a laptop's bandwidth is shared anyway, and the first model becomes usable sooner.</summary>
    private readonly SemaphoreSlim _turn = new(1, 1);

    private LocalModelsOptions Options => options.Value;

    /// <summary>The download, if it is this person's (team mode) or any in personal mode (<paramref name="ownerId"/> null).</summary>
    public ModelDownload? Find(string id, string? ownerId)
    {
        lock (_gate) return _downloads.GetValueOrDefault(id) is { } d && d.OwnerId == ownerId ? d : null;
    }

    /// <summary>This person's downloads of this run and the ones an earlier run left unfinished, oldest first.</summary>
    public IReadOnlyList<ModelDownload> All(string? ownerId)
    {
        lock (_gate) return _downloads.Values.Where(d => d.OwnerId == ownerId).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Starts downloading <paramref name="file"/> from <paramref name="repo"/>, or returns the download already under way
    /// for it. Names must have passed <see cref="ModelNames"/>.
    /// </summary>
    public DownloadStart Start(string repo, string file, string? ownerId = null)
    {
        lock (_gate)
        {
            // Case-insensitive: on macOS and Windows "A.gguf" and "a.gguf" are the same file.
            var sameFile = _downloads.Values.Where(d => string.Equals(d.File, file, StringComparison.OrdinalIgnoreCase)).ToList();
            if (sameFile.FirstOrDefault(d => d.IsActive) is { } active)
                return string.Equals(active.Repo, repo, StringComparison.OrdinalIgnoreCase) && active.File == file && active.OwnerId == ownerId
                    ? new DownloadStart.AlreadyRunning(active)
                    : new DownloadStart.FileBusy(active);
            if (folder.IsInstalled(file)) return new DownloadStart.AlreadyInstalled();

            foreach (var old in sameFile) _downloads.Remove(old.Id);
            var download = new ModelDownload(Ids.New(), repo, file, clock) { OwnerId = ownerId };
            _downloads[download.Id] = download;
            download.Completion = Task.Run(() => RunAsync(download));
            LogStarted(download.Id, repo, file);
            return new DownloadStart.Started(download);
        }
    }

    /// <summary>
    /// Stops a download and removes its part. A failed download that kept its bytes for a later resume loses them too.
    /// Returns once the part is gone.
    /// </summary>
    public async Task<(CancelOutcome Outcome, ModelDownload? Download)> CancelAsync(string id, string? ownerId)
    {
        var download = Find(id, ownerId);
        if (download is null) return (CancelOutcome.NotFound, null);

        if (download.IsActive)
        {
            download.RequestCancel();
            try
            {
                await download.Completion.WaitAsync(CancelWait);
            }
            catch (TimeoutException)
            {
                LogSlowCancel(download.Id, CancelWait);
            }
        }
        // A download that failed (even while being cancelled) may have kept its bytes for a resume.
        if (download.State == DownloadState.Failed)
        {
            lock (_gate)
            {
                // A newer download of the same file would have replaced this entry, so the part is this one's.
                if (_downloads.ContainsKey(download.Id))
                {
                    Discard(download.File);
                    download.Cancelled();
                }
            }
        }
        return download.State == DownloadState.Done ? (CancelOutcome.AlreadyDone, download) : (CancelOutcome.Cancelled, download);
    }

    /// <summary>Forgets finished downloads of a model that has just been deleted, so none of them shows as done.</summary>
    public void ModelDeleted(string file)
    {
        lock (_gate)
        {
            foreach (var done in _downloads.Values.Where(d => d.File == file && d.State == DownloadState.Done).ToList())
                _downloads.Remove(done.Id);
        }
    }

    /// <summary>Creates the models folder, and lists the downloads an earlier run left unfinished.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        folder.Ensure();
        foreach (var path in folder.Sidecars())
        {
            var file = Path.GetFileName(path)[..^ModelsFolder.SidecarSuffix.Length];
            var sidecar = DownloadSidecar.Read(path);
            var part = new FileInfo(folder.PartOf(file));
            if (sidecar is null || sidecar.File != file || !part.Exists || folder.IsInstalled(file))
            {
                // Bytes no sidecar describes can never be checked against the hub: they go with it.
                Discard(ModelNames.IsValidFile(file) && !folder.IsInstalled(file) ? file : null, path);
                continue;
            }
            var download = ModelDownload.Interrupted(Ids.New(), sidecar, part.Length, clock);
            lock (_gate) _downloads[download.Id] = download;
            LogFoundInterrupted(sidecar.File, sidecar.Repo, part.Length, sidecar.Total);
        }
        return Task.CompletedTask;
    }

    /// <summary>Stops the transfers and keeps their parts, so that they can resume at the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        Task[] running;
        lock (_gate) running = _downloads.Values.Select(d => d.Completion).ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunAsync(ModelDownload download)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(download.CancelToken, _stopping.Token);
        try
        {
            await _turn.WaitAsync(linked.Token);
            try
            {
                await DownloadAsync(download, linked.Token);
            }
            finally
            {
                _turn.Release();
            }
        }
        // A cancelled read can surface as an IOException rather than a cancellation: the request decides.
        catch (Exception) when (download.CancelRequested)
        {
            Discard(download.File);
            download.Cancelled();
            LogCancelled(download.Id, download.File);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException && _stopping.IsCancellationRequested)
        {
            download.Fail(DownloadFailure.Interrupted());
            LogStoppedWithServer(download.Id, download.File, download.View().Bytes);
        }
        catch (DownloadFailure failure)
        {
            if (!failure.KeepsPart) Discard(download.File);
            download.Fail(failure);
            LogFailed(failure.InnerException, download.Id, download.File, failure.Code, failure.Message);
        }
        catch (Exception ex)
        {
            var failure = DownloadFailure.Unexpected(ex);
            download.Fail(failure);
            LogFailed(ex, download.Id, download.File, failure.Code, failure.Message);
        }
    }

    private async Task DownloadAsync(ModelDownload download, CancellationToken ct)
    {
        download.Downloading(0, null);
        folder.Ensure();
        var info = await WithRetriesAsync(download, _ => hub.GetInfoAsync(download.Repo, download.File, ct), () => 0, ct);

        var part = folder.PartOf(download.File);
        var sidecarPath = folder.SidecarOf(download.File);
        var offset = ResumableBytes(download, info);
        if (offset == 0)
        {
            File.Delete(part);
            await new DownloadSidecar(download.Repo, download.File, info.Size, info.Sha256, clock.GetUtcNow(), download.OwnerId).WriteAsync(sidecarPath, ct);
        }
        CheckFreeSpace(info.Size - offset);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var output = new FileStream(part, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            download.Downloading(offset, info.Size);
            await HashExistingAsync(output, offset, hash, ct);
            if (offset > 0) LogResuming(download.Id, download.File, offset, info.Size);

            await WithRetriesAsync(download, async attempt =>
            {
                // Signed CDN addresses expire: every retry asks the hub again, and makes sure the file is the same.
                var source = attempt == 1 ? info : await hub.GetInfoAsync(download.Repo, download.File, ct);
                if (!source.SameBytesAs(info)) throw DownloadFailure.Changed();
                download.Downloading(output.Position, info.Size);
                await TransferAsync(download, source, output, hash, ct);
                return true;
            }, () => output.Position, ct);

            download.Verifying();
            await output.FlushAsync(ct);
            output.Flush(flushToDisk: true);
        }

        var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(sha, info.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            LogChecksumMismatch(download.File, info.Sha256, sha);
            throw DownloadFailure.Checksum();
        }
        File.Move(part, folder.PathOf(download.File), overwrite: true);
        Discard(null, sidecarPath);
        download.Done();
        LogDone(download.Id, download.File, info.Size);
    }

    /// <summary>
    /// Removes the part and sidecar of <paramref name="file"/> (or only <paramref name="sidecar"/> when no file is given).
    /// A failure is logged, not thrown: the download must still reach its final state, and startup must go on.
    /// </summary>
    private void Discard(string? file, string? sidecar = null)
    {
        try
        {
            if (file is not null) folder.DeletePart(file);
            if (sidecar is not null) File.Delete(sidecar);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDiscardFailed(ex, file ?? sidecar ?? "");
        }
    }

    /// <summary>Bytes already on disk from an earlier attempt at the same bytes (same repo, size and SHA-256), or 0.</summary>
    private long ResumableBytes(ModelDownload download, HubFileInfo info)
    {
        var sidecar = DownloadSidecar.Read(folder.SidecarOf(download.File));
        var part = new FileInfo(folder.PartOf(download.File));
        if (sidecar is null || !sidecar.Describes(download.Repo, info.Size, info.Sha256) || !part.Exists) return 0;
        return part.Length <= info.Size ? part.Length : 0;
    }

    private void CheckFreeSpace(long remaining)
    {
        var free = new DriveInfo(folder.Path).AvailableFreeSpace;
        var needed = remaining + Options.ReserveFreeMegabytes * 1_000_000;
        if (free < needed) throw DownloadFailure.DiskFull(folder.Path, needed, free);
    }

    /// <summary>Feeds the bytes already in the part to the hash, so that the final SHA-256 covers the whole file.</summary>
    private static async Task HashExistingAsync(FileStream output, long length, IncrementalHash hash, CancellationToken ct)
    {
        output.SetLength(length);
        output.Position = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            int read;
            while ((read = await output.ReadAsync(buffer.AsMemory(0, BufferBytes), ct)) > 0)
                hash.AppendData(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One GET from the end of the part to the end of the file, or until the connection fails.</summary>
    private async Task TransferAsync(ModelDownload download, HubFileInfo source, FileStream output, IncrementalHash hash, CancellationToken ct)
    {
        if (output.Position >= source.Size) return;
        using var response = await hub.OpenAsync(source.DownloadUri, output.Position, download.Repo, download.File, ct);
        switch ((int)response.StatusCode)
        {
            case 206:
                var range = response.Content.Headers.ContentRange;
                if (range?.From != output.Position || range.Length != source.Size)
                    throw DownloadFailure.HubError("plage d’octets inattendue");
                break;
            case 200 when output.Position > 0:
                // The server ignored Range: start over, so that file and hash stay in step.
                output.SetLength(0);
                hash.GetHashAndReset();
                download.Downloading(0, source.Size);
                break;
            case 200:
                break;
            default:
                throw DownloadFailure.HubError($"HTTP {(int)response.StatusCode}");
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stallTimeout = TimeSpan.FromSeconds(Options.StallTimeoutSeconds);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            while (true)
            {
                stall.CancelAfter(stallTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer.AsMemory(0, BufferBytes), stall.Token);
                }
                catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"No byte from the hub for {stallTimeout.TotalSeconds:0} s.", ex);
                }
                if (read == 0) break;
                if (output.Position + read > source.Size) throw DownloadFailure.HubError("plus d’octets qu’annoncé");
                await WriteAsync(output, buffer.AsMemory(0, read), ct);
                hash.AppendData(buffer, 0, read);
                download.Progress(output.Position);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (output.Position < source.Size)
            throw new IOException($"The hub ended the response at byte {output.Position} of {source.Size}.");
    }

    private async Task WriteAsync(FileStream output, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        try
        {
            await output.WriteAsync(bytes, ct);
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            throw DownloadFailure.DiskFull(folder.Path, ex);
        }
        catch (IOException ex)
        {
            // Not a network failure: retrying would not help.
            throw DownloadFailure.Unexpected(ex);
        }
    }

    /// <summary>ENOSPC or EDQUOT on Unix (the errno is the HResult), ERROR_DISK_FULL or ERROR_HANDLE_DISK_FULL on Windows.</summary>
    private static bool IsDiskFull(IOException ex) =>
        OperatingSystem.IsWindows()
            ? (ex.HResult & 0xFFFF) is 39 or 112
            : ex.HResult == 28 || ex.HResult == (OperatingSystem.IsMacOS() ? 69 : 122);

    /// <summary>
    /// Runs an attempt again after a network failure, with exponential backoff. An attempt that brought new bytes
    /// resets the count: only <see cref="LocalModelsOptions.MaxAttempts"/> fruitless attempts in a row give up.
    /// </summary>
    private async Task<T> WithRetriesAsync<T>(ModelDownload download, Func<int, Task<T>> attempt, Func<long> progress, CancellationToken ct)
    {
        var fruitless = 0;
        for (var number = 1; ; number++)
        {
            var before = progress();
            try
            {
                return await attempt(number);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException && !ct.IsCancellationRequested)
            {
                fruitless = progress() > before ? 0 : fruitless + 1;
                if (fruitless >= Options.MaxAttempts)
                    throw ex is HttpRequestException { StatusCode: { } status } ? DownloadFailure.HubUnavailable((int)status, ex) : DownloadFailure.Network(ex);
                var delay = Options.RetryDelay(Math.Max(fruitless, 1));
                LogRetrying(download.Id, download.File, progress(), delay.TotalMilliseconds, fruitless, ex.Message);
                await Task.Delay(delay, clock, ct);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Download {Id} started: {Repo}/{File}")]
    private partial void LogStarted(string id, string repo, string file);

    [LoggerMessage(LogLevel.Information, "Download {Id} resumes {File} from byte {Offset} of {Total}")]
    private partial void LogResuming(string id, string file, long offset, long total);

    [LoggerMessage(LogLevel.Warning, "Download {Id} of {File} lost its connection at byte {Bytes} ({Failures} fruitless attempt(s) in a row: {Reason}); retrying in {DelayMs} ms")]
    private partial void LogRetrying(string id, string file, long bytes, double delayMs, int failures, string reason);

    [LoggerMessage(LogLevel.Information, "Download {Id} done: {File}, {Size} bytes, SHA-256 checked")]
    private partial void LogDone(string id, string file, long size);

    [LoggerMessage(LogLevel.Warning, "Download of {File}: the hub advertised SHA-256 {Expected}, the bytes hash to {Actual}")]
    private partial void LogChecksumMismatch(string file, string expected, string actual);

    [LoggerMessage(LogLevel.Warning, "Download {Id} of {File} failed ({Code}): {Message}")]
    private partial void LogFailed(Exception? ex, string id, string file, string code, string message);

    [LoggerMessage(LogLevel.Information, "Download {Id} of {File} cancelled; its part was removed")]
    private partial void LogCancelled(string id, string file);

    [LoggerMessage(LogLevel.Warning, "Download {Id} did not stop within {Wait} of its cancel")]
    private partial void LogSlowCancel(string id, TimeSpan wait);

    [LoggerMessage(LogLevel.Information, "Download {Id} of {File} stopped with THÉRÈSE at byte {Bytes}; it resumes when asked for again")]
    private partial void LogStoppedWithServer(string id, string file, long bytes);

    [LoggerMessage(LogLevel.Warning, "Could not remove the partial download of {File}")]
    private partial void LogDiscardFailed(Exception ex, string file);

    [LoggerMessage(LogLevel.Information, "Found an unfinished download of {File} from {Repo}: {Bytes} of {Total} bytes, resumable")]
    private partial void LogFoundInterrupted(string file, string repo, long bytes, long total);
}
