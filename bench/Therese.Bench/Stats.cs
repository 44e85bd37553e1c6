using System.Globalization;

namespace Therese.Bench;

/// <summary>p50/p95/max of a sample (nearest-rank percentiles), in milliseconds.</summary>
public sealed class Stats
{
    private readonly double[] _sorted;

    public Stats(IEnumerable<double> values)
    {
        _sorted = values.Order().ToArray();
    }

    public int Count => _sorted.Length;
    public double P(double p) => _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(p / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];
    public double P50 => P(50);
    public double P95 => P(95);
    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];
    public double Min => _sorted.Length == 0 ? double.NaN : _sorted[0];
    public double Mean => _sorted.Length == 0 ? double.NaN : _sorted.Average();

    public static string Ms(double v) => double.IsNaN(v) ? "n/a" : v.ToString(Math.Abs(v) < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    /// <summary>A Markdown row: | label | n | p50 | p95 | max |</summary>
    public string Row(string label) => $"| {label} | {Count} | {Ms(P50)} | {Ms(P95)} | {Ms(Max)} |";

    public const string Header = "| measure | n | p50 (ms) | p95 (ms) | max (ms) |\n| --- | ---: | ---: | ---: | ---: |";
}
