using System.Text.Json;
using System.Text.Json.Serialization;
using Therese.Bench.Scenarios;

namespace Therese.Bench.Report;

/// <summary>
/// Everything one run measured: the machine, then one section per scenario (null when it did not run).
/// Serialised as bench/results/latest.json; latest.md, the README table and the chart are made from it.
/// </summary>
public sealed class BenchReport
{
    public required RunInfo Run { get; init; }
    public FirstTokenResult? FirstToken { get; set; }
    public RelayResult? Relay { get; set; }
    public StopResult? Stop { get; set; }
    public StorageResult? Storage { get; set; }
    public LongAnswerResult? LongAnswer { get; set; }
    public ScaleResult? Scale { get; set; }
    public ClusterResult? Cluster { get; set; }
    public LocalModelResult? LocalModel { get; set; }
    public CrashResult? Crash { get; set; }
    public PageLoadResult? PageLoad { get; set; }
    public BrowserStreamingResult? BrowserStreaming { get; set; }
    public TokenToPaintResult? TokenToPaint { get; set; }
    public PageStopResult? PageStop { get; set; }
    public LongConversationResult? LongConversation { get; set; }
    public AttachmentsResult? Attachments { get; set; }
    public ToolsResult? Tools { get; set; }

    /// <summary>Each goal of the benchmark against what this run measured.</summary>
    public List<Goal> Goals { get; set; } = [];

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static BenchReport FromJson(string json) =>
        JsonSerializer.Deserialize<BenchReport>(json, Json) ?? throw new InvalidDataException("Empty report.");
}

/// <summary>When, where and how the run was made.</summary>
public sealed record RunInfo
{
    public required DateTimeOffset StartedAt { get; init; }
    public required string Mode { get; init; }
    public required string Command { get; init; }
    public required string Commit { get; init; }
    public required bool Dirty { get; init; }
    public required string Cpu { get; init; }
    public required int Cores { get; init; }
    public required string Os { get; init; }
    public required string Dotnet { get; init; }
    public required string Gc { get; init; }
    public required string Build { get; init; }
    public required string LoadAtStart { get; init; }
    public string LoadAtEnd { get; set; } = "";
    public double DurationSeconds { get; set; }
    public string? Chromium { get; set; }
    public string AnthropicSdk { get; init; } = "";
}

/// <summary>One goal: its target, what was measured, and whether it was met.</summary>
public sealed record Goal(string Id, string What, string Target, string Measured, bool Met, string? Note = null);
