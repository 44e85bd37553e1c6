namespace Therese.Server.Chat;

/// <summary>The Therese:Stream section: how answers stream, are saved, and outlive their connection.</summary>
public sealed class ChatStreamOptions
{
    public const string Section = "Therese:Stream";

    /// <summary>A ping is sent after this long without another event, so proxies and browsers keep the stream open.</summary>
    public double PingIntervalSeconds { get; set; } = 15;

    /// <summary>
    /// How often the partial text of a streaming answer is saved. Half a second, so that a crash (kill -9, power
    /// cut) loses less than a second of what the user saw, even counting the wait for the next token and the write.
    /// </summary>
    public double CheckpointIntervalSeconds { get; set; } = 0.5;

    /// <summary>A resumable answer keeps generating this long after its last follower left, waiting for one to come back.</summary>
    public double ResumeGraceSeconds { get; set; } = 30;

    /// <summary>After its end, an answer's log stays this long for late followers (then it is replayed from the database).</summary>
    public double ReplayWindowSeconds { get; set; } = 60;
}
