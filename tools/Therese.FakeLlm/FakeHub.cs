using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Therese.FakeLlm;

/// <summary>
/// A fake Hugging Face hub for model downloads. <c>/{owner}/{name}/resolve/main/{file}</c> answers as the real hub
/// does for an LFS file: a 302 to a CDN path on the same server, carrying X-Linked-Size and X-Linked-ETag (the
/// quoted SHA-256). The CDN path serves the bytes and honours Range. Files are registered in-process with
/// <see cref="Add"/> / <see cref="AddFile"/>, or found in a folder laid out as <c>{folder}/{owner}/{name}/{file}</c>.
/// </summary>
public sealed class FakeHub
{
    public const string CdnPrefix = "/_fake/cdn";

    /// <summary>Lets the client read what was flushed before the reset (a reset discards unread data).</summary>
    private static readonly TimeSpan DropGrace = TimeSpan.FromMilliseconds(100);

    private const int ChunkBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Repo, string File), HubFile> _files = [];
    private readonly List<HubRequest> _log = [];
    private readonly string? _folder;
    private int _nextId;

    internal FakeHub(string? folder) => _folder = string.IsNullOrEmpty(folder) ? null : Path.GetFullPath(folder);

    /// <summary>Serves <paramref name="content"/> as <c>{repo}/resolve/main/{file}</c>; replaces a file registered under the same name.</summary>
    public HubFile Add(string repo, string file, byte[] content, HubFaults? faults = null) =>
        Register(HubFile.FromBytes(repo, file, content, faults ?? HubFaults.None));

    /// <summary>Serves the file at <paramref name="path"/> (hashed once, now) as <c>{repo}/resolve/main/{file}</c>.</summary>
    public HubFile AddFile(string repo, string file, string path, HubFaults? faults = null) =>
        Register(HubFile.FromPath(repo, file, path, faults ?? HubFaults.None));

    /// <summary>Snapshot of the hub's request log, oldest first. Entries keep updating while their body is sent.</summary>
    public IReadOnlyList<HubRequest> Requests
    {
        get { lock (_gate) return _log.ToArray(); }
    }

    public void ClearLog()
    {
        lock (_gate) _log.Clear();
    }

    /// <summary>Polls the log until a request matches; throws <see cref="TimeoutException"/> listing what was logged.</summary>
    public Task<HubRequest> WaitForRequestAsync(Func<HubRequest, bool> match, TimeSpan timeout) =>
        Polling.WaitForAsync(() => Requests, match, timeout, "FakeHub");

    internal void Map(IEndpointRouteBuilder app)
    {
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/{owner}/{name}/resolve/main/{file}", getOrHead, (HttpContext ctx, string owner, string name, string file) => ResolveAsync(ctx, owner, name, file));
        app.MapMethods(CdnPrefix + "/{owner}/{name}/{file}", getOrHead, (HttpContext ctx, string owner, string name, string file) => ServeFromCdnAsync(ctx, owner, name, file));
        app.MapGet("/_fake/hub/log", () => Results.Text(JsonSerializer.Serialize(Requests, FakeLlmServer.LogJson), "application/json; charset=utf-8"));
        app.MapDelete("/_fake/hub/log", () =>
        {
            ClearLog();
            return Results.NoContent();
        });
    }

    private HubFile Register(HubFile file)
    {
        lock (_gate) _files[(file.Repo, file.File)] = file;
        return file;
    }

    private HubRequest Log(HttpContext ctx)
    {
        var request = ctx.Request;
        var range = request.Headers.Range.Count > 0 ? request.Headers.Range.ToString() : null;
        lock (_gate)
        {
            var entry = new HubRequest(++_nextId, request.Method, request.Path + request.QueryString, range);
            _log.Add(entry);
            return entry;
        }
    }

    private Task ResolveAsync(HttpContext ctx, string owner, string name, string fileName) =>
        LoggedAsync(ctx, log => ResolveAsync(ctx, log, owner, name, fileName));

    private Task ServeFromCdnAsync(HttpContext ctx, string owner, string name, string fileName) =>
        LoggedAsync(ctx, async log =>
        {
            var file = Find(owner, name, fileName);
            if (file is null)
                await NotFoundAsync(ctx, log, owner, name);
            else
                await SendBytesAsync(ctx, log, file, file.Faults, etag: file.Sha256);
        });

    /// <summary>Logs the request, and a handler that throws as outcome "error" (Kestrel then answers 500 or resets).</summary>
    private async Task LoggedAsync(HttpContext ctx, Func<HubRequest, Task> handle)
    {
        var log = Log(ctx);
        try
        {
            await handle(log);
        }
        catch (Exception) when (log.Outcome == "running")
        {
            log.SetStatus(StatusCodes.Status500InternalServerError);
            log.Complete("error");
            throw;
        }
    }

    private async Task ResolveAsync(HttpContext ctx, HubRequest log, string owner, string name, string fileName)
    {
        var file = Find(owner, name, fileName);
        if (file is null)
        {
            await NotFoundAsync(ctx, log, owner, name);
            return;
        }

        var faults = file.Faults;
        var resp = ctx.Response;
        resp.Headers["X-Repo-Commit"] = CommitOf(file.Repo);
        if (faults.NotLfs)
        {
            await SendBytesAsync(ctx, log, file, faults, etag: file.GitOid);
            return;
        }

        var sha = faults.WrongSha256 ? (file.Sha256[0] == '0' ? "1" : "0") + file.Sha256[1..] : file.Sha256;
        resp.StatusCode = StatusCodes.Status302Found;
        resp.Headers.Location = $"{ctx.Request.Scheme}://{ctx.Request.Host}{CdnPrefix}/{owner}/{name}/{Uri.EscapeDataString(fileName)}";
        resp.Headers["X-Linked-Size"] = file.Length.ToString(CultureInfo.InvariantCulture);
        resp.Headers["X-Linked-ETag"] = Quote(sha);
        resp.Headers.ETag = Quote(file.GitOid);
        resp.ContentLength = 0;
        log.SetStatus(resp.StatusCode);
        log.Complete("redirected");
    }

    private static async Task SendBytesAsync(HttpContext ctx, HubRequest log, HubFile file, HubFaults faults, string etag)
    {
        var resp = ctx.Response;
        resp.Headers.AcceptRanges = "bytes";
        resp.Headers.ETag = Quote(etag);
        resp.ContentType = "application/octet-stream";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(file.File);
        resp.Headers.ContentDisposition = disposition.ToString();

        long start = 0, end = file.Length - 1;
        resp.StatusCode = StatusCodes.Status200OK;
        // A Range the hub does not understand is ignored and the whole file sent, as RFC 9110 allows.
        if (TryParseRange(ctx.Request.Headers.Range.ToString(), out var from, out var to))
        {
            if (from >= file.Length || (to is long last && last < from))
            {
                resp.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                resp.Headers.ContentRange = $"bytes */{file.Length.ToString(CultureInfo.InvariantCulture)}";
                resp.ContentLength = 0;
                log.SetStatus(resp.StatusCode);
                log.Complete("range_not_satisfiable");
                return;
            }
            start = from;
            end = Math.Min(to ?? end, end);
            resp.StatusCode = StatusCodes.Status206PartialContent;
            resp.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{end}/{file.Length}");
        }
        resp.ContentLength = end - start + 1;
        log.SetStatus(resp.StatusCode);
        if (HttpMethods.IsHead(ctx.Request.Method))
        {
            log.Complete("completed");
            return;
        }

        var download = file.CountDownload();
        var dropAt = faults.DropAfterBytes is long drop && download <= faults.DropTimes ? drop : (long?)null;
        var aborted = ctx.RequestAborted;
        try
        {
            await using var source = file.Open();
            source.Seek(start, SeekOrigin.Begin);
            var remaining = end - start + 1;
            var chunk = faults.BytesPerSecond is long pace ? (int)Math.Clamp(pace / 20, 1, ChunkBytes) : ChunkBytes;
            var buffer = new byte[chunk];
            var clock = Stopwatch.StartNew();
            long sent = 0;
            while (remaining > 0)
            {
                if (sent == dropAt)
                {
                    await resp.Body.FlushAsync(aborted);
                    await Task.Delay(DropGrace, aborted);
                    log.Complete("dropped");
                    ctx.Abort();
                    return;
                }
                if (faults.BytesPerSecond is long bps)
                {
                    var due = TimeSpan.FromSeconds((double)sent / bps) - clock.Elapsed;
                    if (due > TimeSpan.Zero) await Task.Delay(due, aborted);
                }
                var want = (int)Math.Min(Math.Min(chunk, remaining), dropAt is long d ? d - sent : long.MaxValue);
                var read = await source.ReadAsync(buffer.AsMemory(0, want), aborted);
                if (read == 0) throw new InvalidOperationException($"{file} is shorter than registered.");
                await resp.Body.WriteAsync(buffer.AsMemory(0, read), aborted);
                sent += read;
                remaining -= read;
                log.Sent(read);
            }
            log.Complete("completed");
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException || aborted.IsCancellationRequested)
        {
            log.Complete("client_disconnected");
        }
    }

    /// <summary>What the real hub answers an anonymous client: 401 RepoNotFound for an unknown (or private) repo, 404 EntryNotFound for an unknown file.</summary>
    private Task NotFoundAsync(HttpContext ctx, HubRequest log, string owner, string name)
    {
        var repoKnown = RepoExists(owner + "/" + name);
        var (status, code, message) = repoKnown
            ? (StatusCodes.Status404NotFound, "EntryNotFound", "Entry not found")
            : (StatusCodes.Status401Unauthorized, "RepoNotFound", "Repository not found");
        var resp = ctx.Response;
        resp.StatusCode = status;
        resp.Headers["X-Error-Code"] = code;
        resp.Headers["X-Error-Message"] = message;
        log.SetStatus(status);
        log.Complete("not_found");
        return HttpMethods.IsHead(ctx.Request.Method) ? Task.CompletedTask : resp.WriteAsJsonAsync(new { error = message });
    }

    private HubFile? Find(string owner, string name, string file)
    {
        var repo = owner + "/" + name;
        lock (_gate)
        {
            if (_files.TryGetValue((repo, file), out var registered)) return registered;
        }
        if (_folder is null || !IsPlainName(owner) || !IsPlainName(name) || !IsPlainName(file)) return null;
        var path = Path.Combine(_folder, owner, name, file);
        return File.Exists(path) ? Register(HubFile.FromPath(repo, file, path, HubFaults.None)) : null;
    }

    private bool RepoExists(string repo)
    {
        lock (_gate)
        {
            if (_files.Keys.Any(k => k.Repo == repo)) return true;
        }
        var parts = repo.Split('/');
        return _folder is not null && parts.All(IsPlainName) && Directory.Exists(Path.Combine(_folder, parts[0], parts[1]));
    }

    private static bool IsPlainName(string s) =>
        s.Length > 0 && s != "." && s != ".." && s.IndexOfAny(['/', '\\', '\0']) < 0;

    /// <summary>"bytes=N-" or "bytes=N-M" (one range); anything else is not understood.</summary>
    internal static bool TryParseRange(string? header, out long start, out long? end)
    {
        start = 0;
        end = null;
        if (header is null || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return false;
        var spec = header.AsSpan(6).Trim();
        var dash = spec.IndexOf('-');
        if (dash <= 0 || spec.Contains(',')) return false;
        if (!long.TryParse(spec[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out start)) return false;
        var tail = spec[(dash + 1)..];
        if (tail.IsEmpty) return true;
        if (!long.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out var last)) return false;
        end = last;
        return true;
    }

    private static string Quote(string value) => "\"" + value + "\"";

    /// <summary>A stable, commit-like id per repo.</summary>
    private static string CommitOf(string repo) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(repo)));
}
