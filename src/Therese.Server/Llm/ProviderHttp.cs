using System.Net;

namespace Therese.Server.Llm;

public static class ProviderHttp
{
    /// <summary>
    /// The HTTP client both SDKs use, shared by every model the settings create. By default
    /// SocketsHttpHandler drains an unread response for up to 2 s to reuse its connection, which keeps
    /// the provider generating (and billing) after Stop. With no draining, cancelling a stream closes
    /// the provider connection at once (over HTTP/2, it resets the answer's stream at once).
    /// </summary>
    public static readonly HttpClient Shared = Create();

    /// <summary>A new client with the same settings (the benchmark's baseline uses one of its own).</summary>
    public static HttpClient Create() => new(new PreferHttp2(new SocketsHttpHandler
    {
        MaxResponseDrainSize = 0,
        ResponseDrainTimeout = TimeSpan.Zero,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(30),
        // Past a connection's stream limit (often 100), open another one instead of queueing answers behind it.
        EnableMultipleHttp2Connections = true,
    }))
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// The providers speak HTTP/2 over TLS: offered it, many answers share one connection instead of holding
    /// a socket each (thousands of concurrent answers stay far from the open-files limit). TLS negotiates it,
    /// so a server that only speaks HTTP/1.1, and any plain http:// one (Ollama, llama.cpp), gets HTTP/1.1 as before.
    /// </summary>
    private sealed class PreferHttp2(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
