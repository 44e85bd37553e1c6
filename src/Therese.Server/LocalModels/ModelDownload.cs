namespace Therese.Server.LocalModels;

public enum DownloadState { Queued, Downloading, Verifying, Done, Failed, Cancelled }

public sealed record DownloadError(string Code, string Message);

/// <summary>A download as the API shows it. <c>Total</c> is null until the hub has given the size.</summary>
public sealed record DownloadView(
    string Id, string Repo, string File, string State, long Bytes, long? Total, long? BytesPerSecond, DownloadError? Error);

/// <summary>
/// One download and its progress, readable at any time from any thread. Only <see cref="ModelDownloads"/> moves it
/// from one state to the next: queued → downloading → verifying → done, or failed / cancelled.
/// </summary>
public sealed class ModelDownload
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromMilliseconds(500);

    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _cancel = new();
    private DownloadState _state;
    private long _bytes;
    private long? _total;
    private DownloadError? _error;
    private long? _rate;
    private long _windowStart;
    private long _windowBytes;

    public ModelDownload(string id, string repo, string file, TimeProvider clock)
    {
        Id = id;
        Repo = repo;
        File = file;
        _clock = clock;
    }

    public string Id { get; }
    public string Repo { get; }
    public string File { get; }

    /// <summary>Who started it, in team mode: nobody else sees it (null in personal mode).</summary>
    public string? OwnerId { get; init; }

    /// <summary>The background work; completes once the download has reached its final state.</summary>
    public Task Completion { get; internal set; } = Task.CompletedTask;

    public DownloadState State { get { lock (_gate) return _state; } }

    public bool IsActive => State is DownloadState.Queued or DownloadState.Downloading or DownloadState.Verifying;

    internal CancellationToken CancelToken => _cancel.Token;
    internal bool CancelRequested => _cancel.IsCancellationRequested;

    internal void RequestCancel() => _cancel.Cancel();

    public DownloadView View()
    {
        lock (_gate)
            return new DownloadView(Id, Repo, File, _state.ToString().ToLowerInvariant(), _bytes, _total,
                _state == DownloadState.Downloading ? _rate : null, _error);
    }

    /// <summary>A download an earlier run left on disk, listed so that the user sees it and can resume it.</summary>
    internal static ModelDownload Interrupted(string id, DownloadSidecar sidecar, long bytes, TimeProvider clock)
    {
        var download = new ModelDownload(id, sidecar.Repo, sidecar.File, clock) { OwnerId = sidecar.OwnerId };
        download.Fail(DownloadFailure.Interrupted(), bytes, sidecar.Total);
        return download;
    }

    /// <summary>Starts (or restarts, after a retry wait) the transfer from <paramref name="bytes"/>.</summary>
    internal void Downloading(long bytes, long? total)
    {
        lock (_gate)
        {
            _state = DownloadState.Downloading;
            _bytes = bytes;
            _total = total;
            _rate = null;
            _windowStart = _clock.GetTimestamp();
            _windowBytes = bytes;
        }
    }

    internal void Progress(long bytes)
    {
        lock (_gate)
        {
            _bytes = bytes;
            var elapsed = _clock.GetElapsedTime(_windowStart);
            if (elapsed < RateWindow) return;
            _rate = (long)((bytes - _windowBytes) / elapsed.TotalSeconds);
            _windowStart = _clock.GetTimestamp();
            _windowBytes = bytes;
        }
    }

    internal void Verifying()
    {
        lock (_gate) _state = DownloadState.Verifying;
    }

    internal void Done()
    {
        lock (_gate) _state = DownloadState.Done;
    }

    internal void Fail(DownloadFailure failure, long? bytes = null, long? total = null)
    {
        lock (_gate)
        {
            _state = DownloadState.Failed;
            _error = new DownloadError(failure.Code, failure.Message);
            if (!failure.KeepsPart) _bytes = 0;
            if (bytes is long b) _bytes = b;
            if (total is long t) _total = t;
        }
    }

    internal void Cancelled()
    {
        lock (_gate)
        {
            _state = DownloadState.Cancelled;
            _bytes = 0;
        }
    }
}
