namespace Therese.Server.LocalModels;

/// <summary>The Therese:Models configuration section.</summary>
public sealed class LocalModelsOptions
{
    public const string Section = "Therese:Models";
    public const string DefaultHubUrl = "https://huggingface.co";

    /// <summary>Where files come from: <c>{HubUrl}/{repo}/resolve/main/{file}</c>. Blank means Hugging Face.</summary>
    public string? HubUrl { get; set; }

    /// <summary>Attempts in a row that bring no new byte before a download gives up; one that brings bytes resets the count.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait before the first retry; it doubles at each retry in a row, up to <see cref="MaxRetryDelayMs"/>.</summary>
    public int RetryDelayMs { get; set; } = 1000;

    public int MaxRetryDelayMs { get; set; } = 30_000;

    /// <summary>A transfer that receives nothing for this long is cut and retried.</summary>
    public int StallTimeoutSeconds { get; set; } = 60;

    /// <summary>Room left on the disk once the model is in, so the system and the database can still write.</summary>
    public long ReserveFreeMegabytes { get; set; } = 512;

    /// <summary>The hub's base URL, ending in '/' so that a mirror under a path keeps it; blank or unset is the default hub.</summary>
    public Uri HubBaseUri => new((string.IsNullOrWhiteSpace(HubUrl) ? DefaultHubUrl : HubUrl.Trim()).TrimEnd('/') + "/");

    public bool HasValidHubUrl =>
        Uri.TryCreate((string.IsNullOrWhiteSpace(HubUrl) ? DefaultHubUrl : HubUrl.Trim()).TrimEnd('/') + "/", UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https";

    public TimeSpan RetryDelay(int retry) =>
        TimeSpan.FromMilliseconds(Math.Min((double)RetryDelayMs * Math.Pow(2, retry - 1), MaxRetryDelayMs));
}
