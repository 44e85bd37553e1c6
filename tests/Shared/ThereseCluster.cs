using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Therese.FakeLlm;

namespace Therese.Testing;

/// <summary>
/// THÉRÈSE as a team runs it on several machines: N instances (separate processes) on one PostgreSQL
/// database and one Redis, behind nginx, all talking to the fake provider. Everything is throwaway.
/// </summary>
public sealed class ThereseCluster : IAsyncDisposable
{
    public const string AdminEmail = "admin@cluster.test";
    public const string AdminPassword = "mot-de-passe-du-cluster";

    private readonly Dictionary<string, string> _settings;
    private readonly Dictionary<string, string> _environment;
    private readonly ClusterOptions _options;
    private readonly List<string> _dataDirs = [];

    public FakeLlmServer Fake { get; }
    public PostgresServer Postgres { get; }
    public RedisServer Redis { get; }
    public string ConnectionString { get; }
    public ServerProcess?[] Instances { get; }
    public NginxBalancer Nginx { get; private set; } = null!;
    public string BaseUrl => Nginx.BaseUrl;
    /// <summary>The fake provider's throwaway certificate when it serves HTTPS (<see cref="ClusterOptions.ProviderOverHttps"/>), else null.</summary>
    public X509Certificate2? ProviderCertificate { get; }
    /// <summary>The environment the instances get (SSL_CERT_FILE when the fake serves HTTPS), for another server started beside them.</summary>
    public IReadOnlyDictionary<string, string> InstanceEnvironment => _environment;
    /// <summary>The settings every instance gets (its DataDir apart).</summary>
    public IReadOnlyDictionary<string, string> Settings => _settings;

    private ThereseCluster(FakeLlmServer fake, ProviderTls? tls, PostgresServer postgres, RedisServer redis, string connection, int count,
        Dictionary<string, string> settings, ClusterOptions options)
    {
        Fake = fake;
        _tls = tls;
        ProviderCertificate = tls?.Certificate;
        Postgres = postgres;
        Redis = redis;
        ConnectionString = connection;
        Instances = new ServerProcess?[count];
        _settings = settings;
        _options = options;
        _environment = tls is null ? [] : new Dictionary<string, string> { ["SSL_CERT_FILE"] = tls.PemFile };
    }

    private readonly ProviderTls? _tls;

    /// <summary>What is missing on this machine to start a cluster (with the apt-get line that fixes it), or null.</summary>
    public static string? Missing() =>
        PostgresServer.FindBin() is null ? PostgresServer.NotFound
        : ChildProcess.Find("redis-server") is null ? RedisServer.NotFound
        : ChildProcess.Find("nginx") is null ? NginxBalancer.NotFound
        : null;

    /// <summary>
    /// Starts the databases, then <paramref name="instances"/> instances at once (they race to migrate and to create the first
    /// admin; <see cref="ClusterOptions.FirstInstanceAlone"/> starts one first), then nginx.
    /// </summary>
    public static async Task<ThereseCluster> StartAsync(int instances = 3, IDictionary<string, string>? settings = null, ClusterOptions? options = null)
    {
        // Missing programs fail with the apt-get line that fixes them.
        if (Missing() is { } missing) throw new InvalidOperationException(missing);
        options ??= new ClusterOptions();

        var tls = options.ProviderOverHttps ? ProviderTls.Create() : null;
        var fake = tls is null ? await FakeLlmServer.StartAsync() : await FakeLlmServer.StartAsync("https://127.0.0.1:0", certificate: tls.Certificate);
        PostgresServer? postgres = null;
        RedisServer? redis = null;
        try
        {
            var pgStart = PostgresServer.StartAsync();
            var redisStart = RedisServer.StartAsync();
            postgres = await pgStart;
            redis = await redisStart;
            var connection = await postgres.CreateDatabaseAsync("therese");
            var all = new Dictionary<string, string>
            {
                ["Therese:Storage:Provider"] = "postgres",
                ["ConnectionStrings:Therese"] = connection,
                ["Therese:Redis:Configuration"] = redis.Configuration,
                // A killed instance is noticed within 2 s (1 s heartbeats would do; tests want it quick).
                ["Therese:Redis:LivenessSeconds"] = "2",
                ["Therese:Redis:HeartbeatSeconds"] = "0.5",
                ["Therese:Mode"] = "team",
                ["Therese:Team:AdminEmail"] = AdminEmail,
                ["Therese:Team:AdminPassword"] = AdminPassword,
                ["Therese:Team:MessagesPerMinute"] = "1000",
                ["Therese:Llm:Provider"] = "anthropic",
                ["Therese:Llm:ApiKey"] = "test-key",
                ["Therese:Llm:BaseUrl"] = fake.BaseUrl,
                ["Therese:Llm:Model"] = "fake-model",
                ["Therese:Llm:MaxRetries"] = "0",
                ["Therese:Ollama:Url"] = fake.BaseUrl,
                ["Therese:Models:HubUrl"] = fake.BaseUrl,
                ["Therese:Limits:MaxConcurrentAnswersPerClient"] = "1000",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (k, v) in settings ?? new Dictionary<string, string>()) all[k] = v;
            var cluster = new ThereseCluster(fake, tls, postgres, redis, connection, instances, all, options);
            try
            {
                if (options.FirstInstanceAlone)
                {
                    await cluster.StartInstanceAsync(0);
                    await Task.WhenAll(Enumerable.Range(1, instances - 1).Select(cluster.StartInstanceAsync));
                }
                else
                {
                    await Task.WhenAll(Enumerable.Range(0, instances).Select(cluster.StartInstanceAsync));
                }
                cluster.Nginx = await NginxBalancer.StartAsync(cluster.Instances.Select(i => i!.BaseUrl).ToList(), options.NginxWorkerConnections);
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
            return cluster;
        }
        catch when (postgres is null || redis is null)
        {
            if (postgres is not null) await postgres.DisposeAsync();
            if (redis is not null) await redis.DisposeAsync();
            await fake.DisposeAsync();
            tls?.Dispose();
            throw;
        }
    }

    /// <summary>(Re)starts instance <paramref name="index"/> on its own port and data folder.</summary>
    public async Task StartInstanceAsync(int index)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "therese-tests", $"cluster-{Guid.NewGuid():N}");
        lock (_dataDirs) _dataDirs.Add(dataDir);
        var settings = new Dictionary<string, string>(_settings) { ["Therese:DataDir"] = dataDir };
        var url = Instances[index]?.BaseUrl;
        var process = ServerProcess.Start(settings, url, _environment);
        Instances[index] = process;
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>kill -9 of one instance.</summary>
    public void Kill(int index) => Instances[index]!.KillHard();

    /// <summary>A client through nginx that keeps cookies, like a browser; <paramref name="instance"/> pins every request to one instance.</summary>
    public HttpClient CreateClient(int? instance = null, System.Net.CookieContainer? cookies = null)
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = true,
            CookieContainer = cookies ?? new System.Net.CookieContainer(),
            MaxResponseDrainSize = 0,
            ResponseDrainTimeout = TimeSpan.Zero,
        })
        {
            BaseAddress = new Uri(BaseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (instance is { } i) client.DefaultRequestHeaders.Add(NginxBalancer.InstanceHeader, i.ToString());
        return client;
    }

    public string Diagnostics => string.Join("\n\n", Instances.Select((p, i) => $"--- instance {i} ---\n{p?.Output}")) + $"\n\n--- nginx ---\n{Nginx?.ErrorLog}";

    public async ValueTask DisposeAsync()
    {
        if (Nginx is not null) await Nginx.DisposeAsync();
        foreach (var instance in Instances) if (instance is not null) await instance.DisposeAsync();
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
        await Fake.DisposeAsync();
        _tls?.Dispose();
        foreach (var dir in _dataDirs)
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>How a cluster is started, beyond the instances' settings.</summary>
public sealed record ClusterOptions
{
    /// <summary>
    /// The fake provider over HTTPS with a throwaway certificate that the instances trust (SSL_CERT_FILE): they then reach it over
    /// HTTP/2, many answers on one connection, as they reach the real providers. Off: plain HTTP/1.1, a connection per answer.
    /// </summary>
    public bool ProviderOverHttps { get; init; }

    /// <summary>nginx's worker_connections: an open stream holds two (the client's and the instance's).</summary>
    public int NginxWorkerConnections { get; init; } = 4096;

    /// <summary>
    /// Start instance 0 on its own (it migrates the database and creates the first admin), then the others together: for
    /// what measures the cluster rather than its start (the benchmark). Off (the default), every instance starts at once.
    /// </summary>
    public bool FirstInstanceAlone { get; init; }
}

/// <summary>A throwaway certificate for 127.0.0.1, and the PEM file the instances trust it through.</summary>
internal sealed class ProviderTls : IDisposable
{
    private readonly string _folder;
    public X509Certificate2 Certificate { get; }
    public string PemFile { get; }

    private ProviderTls(string folder, X509Certificate2 certificate, string pemFile)
    {
        _folder = folder;
        Certificate = certificate;
        PemFile = pemFile;
    }

    public static ProviderTls Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        // Through PKCS#12 so that Kestrel holds a certificate with a usable private key.
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        var folder = Path.Combine(Path.GetTempPath(), "therese-tests", $"provider-tls-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var pem = Path.Combine(folder, "provider.crt");
        File.WriteAllText(pem, created.ExportCertificatePem());
        return new ProviderTls(folder, certificate, pem);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
