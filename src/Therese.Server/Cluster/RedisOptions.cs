namespace Therese.Server.Cluster;

/// <summary>
/// Therese:Redis: the live state of answers shared by several instances (docs/scaling.md). Without a
/// configuration, THÉRÈSE keeps it in memory, as one instance needs.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Therese:Redis";

    /// <summary>A StackExchange.Redis configuration string: "host:6379,password=…,ssl=true".</summary>
    public string? Configuration { get; set; }

    /// <summary>Every key and channel starts with this, so that several THÉRÈSE can share one Redis.</summary>
    public string Prefix { get; set; } = "therese";

    /// <summary>
    /// An instance that has not said it is alive for this long is dead: another instance marks its answers
    /// interrupted and ends their followers' streams. The grace period of a killed instance.
    /// </summary>
    public double LivenessSeconds { get; set; } = 5;

    /// <summary>How often an instance says it is alive, reads the Stop requests it may have missed, and looks for dead instances.</summary>
    public double HeartbeatSeconds { get; set; } = 1;

    /// <summary>A follower on another instance looks at the log at least this often, should a wake-up be lost.</summary>
    public double PollSeconds { get; set; } = 1;

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);
}
