using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Therese.Server.LocalModels;

/// <summary>What the hub says about a file: its size and SHA-256, and where its bytes are.</summary>
public sealed record HubFileInfo(long Size, string Sha256, Uri DownloadUri)
{
    public bool SameBytesAs(HubFileInfo other) =>
        Size == other.Size && string.Equals(Sha256, other.Sha256, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Talks to a Hugging Face hub. <c>{hub}/{repo}/resolve/main/{file}</c> answers an LFS file with a redirect to a CDN that
/// carries X-Linked-Size and X-Linked-ETag (the SHA-256); those are read from a HEAD that does not follow it.
/// Redirects are followed by hand, so one handler serves both the HEAD and the downloads.
/// </summary>
public sealed class HubClient(IOptions<LocalModelsOptions> options) : IDisposable
{
    private const int MaxRedirects = 5;
    private static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = CreateHttpClient();

    /// <summary>
    /// No automatic redirects (the HEAD must see the hub's own answer), and no draining of an unread body, so that a
    /// cancelled download closes its connection at once instead of reading on for up to 2 s.
    /// </summary>
    private static HttpClient CreateHttpClient()
    {
        var http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxResponseDrainSize = 0,
            ResponseDrainTimeout = TimeSpan.Zero,
        })
        {
            // Bodies take minutes; the headers and each read have their own limits.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Therese", Version()));
        return http;
    }

    private static string Version()
    {
        var version = typeof(HubClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "1.0";
        return version.Split('+')[0];
    }

    public Uri ResolveUri(string repo, string file) =>
        new(options.Value.HubBaseUri, $"{repo}/resolve/main/{Uri.EscapeDataString(file)}");

    /// <summary>Size, SHA-256 and download address of a file, from a HEAD on its resolve URL.</summary>
    /// <exception cref="DownloadFailure">The file is unknown, or the hub does not give its size or SHA-256.</exception>
    /// <exception cref="HttpRequestException">The hub could not be reached or is unavailable for now (worth a retry).</exception>
    public async Task<HubFileInfo> GetInfoAsync(string repo, string file, CancellationToken ct)
    {
        var uri = ResolveUri(repo, file);
        for (var hop = 0; ; hop++)
        {
            using var response = await SendAsync(HttpMethod.Head, uri, offset: 0, ct);
            var status = (int)response.StatusCode;
            ThrowOnError(response, repo, file);
            var sha = LinkedHeader(response, "X-Linked-ETag");
            var size = LinkedHeader(response, "X-Linked-Size");
            if (status is >= 300 and < 400)
            {
                var target = Target(uri, response);
                if (sha is not null) return Parse(size, sha, target);
                // A redirect without the linked headers: a renamed repo pointing at its new name.
                if (hop >= MaxRedirects) throw DownloadFailure.HubError("trop de redirections");
                uri = target;
                continue;
            }
            if (status is >= 200 and < 300)
            {
                // Served straight from git (not LFS): the hub names no SHA-256, so nothing could check the bytes.
                if (sha is null) throw DownloadFailure.NoChecksum();
                return Parse(size ?? response.Content.Headers.ContentLength?.ToString(CultureInfo.InvariantCulture), sha, uri);
            }
            throw DownloadFailure.HubError($"HTTP {status.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>GET from <paramref name="offset"/> (with Range when it is not 0), following redirects; headers read, body not.</summary>
    public async Task<HttpResponseMessage> OpenAsync(Uri uri, long offset, string repo, string file, CancellationToken ct)
    {
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, uri, offset, ct);
            if ((int)response.StatusCode is >= 300 and < 400 && hop < MaxRedirects)
            {
                uri = Target(uri, response);
                response.Dispose();
                continue;
            }
            try
            {
                ThrowOnError(response, repo, file);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, long offset, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headers.CancelAfter(HeadersTimeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"The hub sent no headers within {HeadersTimeout.TotalSeconds:0} s.", ex);
        }
    }

    /// <summary>
    /// 401/404/410 mean the file or the repo does not exist for an anonymous client (the hub answers 401 for a missing
    /// or private repo). 403 is a gated repo on the hub, but an expired signed address on a CDN: it is retried, and the
    /// retry asks the hub for a fresh address. 408, 429 and 5xx are worth a retry.
    /// </summary>
    private static void ThrowOnError(HttpResponseMessage response, string repo, string file)
    {
        var status = (int)response.StatusCode;
        if (status is 401 or 404 or 410) throw DownloadFailure.NotFound(repo, file);
        if (status is 403 or 408 or 429 or >= 500)
            throw new HttpRequestException($"The hub answered HTTP {status}.", null, response.StatusCode);
        if (status is >= 400 and not 416) throw DownloadFailure.HubError($"HTTP {status.ToString(CultureInfo.InvariantCulture)}");
    }

    private static Uri Target(Uri from, HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw DownloadFailure.HubError("redirection sans adresse");
        return location.IsAbsoluteUri ? location : new Uri(from, location);
    }

    private static string? LinkedHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>The hub quotes the ETag, and a weak one starts with W/; what is inside must be a SHA-256.</summary>
    private static HubFileInfo Parse(string? size, string etag, Uri download)
    {
        var sha = etag.Trim();
        if (sha.StartsWith("W/", StringComparison.Ordinal)) sha = sha[2..];
        sha = sha.Trim('"').ToLowerInvariant();
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit)) throw DownloadFailure.NoChecksum();
        if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
            throw DownloadFailure.HubError("taille du fichier absente");
        return new HubFileInfo(bytes, sha, download);
    }

    public void Dispose() => _http.Dispose();
}
