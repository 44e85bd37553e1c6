using System.Globalization;
using System.Text.Json.Serialization;

namespace Therese.Bench.Report;

/// <summary>A sample summarised: count and nearest-rank percentiles, in the sample's unit (milliseconds unless said).</summary>
public sealed record Distribution(int N, double P50, double P95, double P99, double Max, double Mean)
{
    public static Distribution Of(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0) return new Distribution(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        return new Distribution(sorted.Length, Rank(sorted, 50), Rank(sorted, 95), Rank(sorted, 99), sorted[^1], sorted.Average());
    }

    /// <summary>Nearest-rank percentile of a sorted sample.</summary>
    public static double Rank(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    [JsonIgnore]
    public bool Empty => N == 0;

    /// <summary>A Markdown row: | label | n | p50 | p95 | p99 | max |</summary>
    public string Row(string label) => $"| {label} | {N} | {Ms(P50)} | {Ms(P95)} | {Ms(P99)} | {Ms(Max)} |";

    public const string Header = "| measure | n | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |\n| --- | ---: | ---: | ---: | ---: | ---: |";

    /// <summary>Two decimals under 10, one under 1,000, none above.</summary>
    public static string Ms(double v) =>
        double.IsNaN(v) ? "n/a" : v.ToString(Math.Abs(v) < 10 ? "0.00" : Math.Abs(v) < 1000 ? "0.0" : "#,0", CultureInfo.InvariantCulture);
}
