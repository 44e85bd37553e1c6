namespace Therese.Server.Llm;

public static class ProviderHttp
{
    /// <summary>
    /// The HTTP client both SDKs use, shared by every model the settings create. By default
    /// SocketsHttpHandler drains an unread response for up to 2 s to reuse its connection, which keeps
    /// the provider generating (and billing) after Stop. With no draining, cancelling a stream closes
    /// the provider connection at once.
    /// </summary>
    public static readonly HttpClient Shared = Create();

    /// <summary>A new client with the same settings (the benchmark's baseline uses one of its own).</summary>
    public static HttpClient Create() => new(new SocketsHttpHandler
    {
        MaxResponseDrainSize = 0,
        ResponseDrainTimeout = TimeSpan.Zero,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
