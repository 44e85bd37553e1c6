using StackExchange.Redis;
using Therese.Server.Chat;

namespace Therese.Server.Cluster;

public static class ClusterExtensions
{
    /// <summary>
    /// Several instances: with Therese:Redis:Configuration, the live state of answers (logs, locks, Stop,
    /// liveness) goes through Redis. Without it, THÉRÈSE keeps it in memory (AddChat). Call before AddChat.
    /// </summary>
    public static IHostApplicationBuilder AddCluster(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(RedisOptions.Section);
        builder.Services.Configure<RedisOptions>(section);
        var options = section.Get<RedisOptions>() ?? new RedisOptions();
        if (!options.Enabled) return builder;

        builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var config = ConfigurationOptions.Parse(options.Configuration!);
            config.ClientName = "therese";
            // Fail at start, saying why, rather than serve without the shared state; later losses reconnect on their own.
            config.AbortOnConnectFail = true;
            try
            {
                return ConnectionMultiplexer.Connect(config);
            }
            catch (RedisConnectionException ex)
            {
                throw new InvalidOperationException($"Therese:Redis:Configuration is set, but Redis does not answer at {string.Join(", ", config.EndPoints)}: {ex.Message}", ex);
            }
        });
        builder.Services.AddSingleton<RedisStreamState>();
        builder.Services.AddSingleton<IStreamState>(sp => sp.GetRequiredService<RedisStreamState>());
        // Registered before the answer registry: it stops after it, once every answer here has ended.
        builder.Services.AddHostedService<ClusterHeartbeat>();
        return builder;
    }

    /// <summary>Whether other instances share this one's answers (then none may be swept at start: they may be theirs).</summary>
    public static bool IsCluster(this WebApplication app) => app.Services.GetService<RedisStreamState>() is not null;
}
