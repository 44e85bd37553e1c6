namespace Therese.FakeLlm;

/// <summary>
/// One request received by the fake hub. The byte count and the outcome update live while the body is sent.
/// </summary>
public sealed class HubRequest
{
    private readonly Lock _gate = new();
    private long _bytesSent;
    private int _status;
    private string _outcome = "running";
    private DateTimeOffset? _completedAt;

    internal HubRequest(int id, string method, string path, string? range)
    {
        Id = id;
        Method = method;
        Path = path;
        Range = range;
        ReceivedAt = DateTimeOffset.UtcNow;
    }

    public int Id { get; }
    public string Method { get; }

    /// <summary>Path and query, as received.</summary>
    public string Path { get; }

    /// <summary>The Range header as received, e.g. "bytes=1000-", or null.</summary>
    public string? Range { get; }

    public DateTimeOffset ReceivedAt { get; }

    public long BytesSent { get { lock (_gate) return _bytesSent; } }
    public int Status { get { lock (_gate) return _status; } }

    /// <summary>
    /// <c>running</c> | <c>redirected</c> | <c>completed</c> | <c>dropped</c> (the hub reset the connection on purpose) |
    /// <c>client_disconnected</c> | <c>not_found</c> | <c>range_not_satisfiable</c> | <c>error</c> (the handler threw).
    /// </summary>
    public string Outcome { get { lock (_gate) return _outcome; } }

    public DateTimeOffset? CompletedAt { get { lock (_gate) return _completedAt; } }

    /// <summary>The first byte offset asked for by a "bytes=N-" or "bytes=N-M" Range header, or null.</summary>
    public long? RangeStart => FakeHub.TryParseRange(Range, out var start, out _) ? start : null;

    internal void SetStatus(int status)
    {
        lock (_gate) _status = status;
    }

    internal void Sent(int bytes)
    {
        lock (_gate) _bytesSent += bytes;
    }

    /// <summary>The first outcome reported wins.</summary>
    internal void Complete(string outcome)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            if (_completedAt is not null) return;
            _completedAt = now;
            _outcome = outcome;
        }
    }

    public override string ToString() =>
        $"#{Id} {Method} {Path} range={Range ?? "-"} status={Status} sent={BytesSent} outcome={Outcome}";
}
