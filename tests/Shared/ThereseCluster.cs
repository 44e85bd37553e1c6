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
    private readonly List<string> _dataDirs = [];

    public FakeLlmServer Fake { get; }
    public PostgresServer Postgres { get; }
    public RedisServer Redis { get; }
    public string ConnectionString { get; }
    public ServerProcess?[] Instances { get; }
    public NginxBalancer Nginx { get; private set; } = null!;
    public string BaseUrl => Nginx.BaseUrl;

    private ThereseCluster(FakeLlmServer fake, PostgresServer postgres, RedisServer redis, string connection, int count, Dictionary<string, string> settings)
    {
        Fake = fake;
        Postgres = postgres;
        Redis = redis;
        ConnectionString = connection;
        Instances = new ServerProcess?[count];
        _settings = settings;
    }

    /// <summary>Starts the databases, then <paramref name="instances"/> instances at once (they race to migrate), then nginx.</summary>
    public static async Task<ThereseCluster> StartAsync(int instances = 3, IDictionary<string, string>? settings = null)
    {
        // Missing programs fail with the apt-get line that fixes them.
        if (PostgresServer.FindBin() is null) throw new InvalidOperationException(PostgresServer.NotFound);
        if (ChildProcess.Find("redis-server") is null) throw new InvalidOperationException(RedisServer.NotFound);
        if (ChildProcess.Find("nginx") is null) throw new InvalidOperationException(NginxBalancer.NotFound);

        var fake = await FakeLlmServer.StartAsync();
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
            var cluster = new ThereseCluster(fake, postgres, redis, connection, instances, all);
            try
            {
                await Task.WhenAll(Enumerable.Range(0, instances).Select(cluster.StartInstanceAsync));
                cluster.Nginx = await NginxBalancer.StartAsync(cluster.Instances.Select(i => i!.BaseUrl).ToList());
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
        var process = ServerProcess.Start(settings, url);
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
        foreach (var dir in _dataDirs)
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
