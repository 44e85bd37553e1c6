using System.Globalization;
using System.Text;
using Therese.Bench.Scenarios;

namespace Therese.Bench.Report;

/// <summary>
/// The scale curve as a small SVG: server memory per stream (working set and GC heap, KB, left axis) and the
/// added delay per token at p99 (ms, right axis) against concurrent streams, for the capacity levels.
/// </summary>
public static class ScaleChart
{
    private const int Width = 720, Height = 360, Left = 70, Right = 70, Top = 40, Bottom = 60;

    public static string Svg(ScaleResult result)
    {
        var levels = result.Levels.Where(l => l.Kind == ScaleKind.Capacity).OrderBy(l => l.Streams).ToList();
        var maxStreams = Math.Max(1, levels.Max(l => l.Streams));
        var maxKb = Nice(Math.Max(64, levels.SelectMany(l => new[] { l.WorkingSetPerStreamKb, l.GcHeapPerStreamKb }).Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Max()));
        var maxMs = Nice(Math.Max(1, levels.Select(l => l.AddedDelay.P99).Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Max()));
        double X(double streams) => Left + streams / maxStreams * (Width - Left - Right);
        double YKb(double kb) => Height - Bottom - kb / maxKb * (Height - Top - Bottom);
        double YMs(double ms) => Height - Bottom - ms / maxMs * (Height - Top - Bottom);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n");
        svg.Append($"<text x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">THÉRÈSE under concurrent streams (1 token/s each, persistence on)</text>\n");
        // Axes and grid.
        for (var i = 0; i <= 4; i++)
        {
            var kb = maxKb * i / 4;
            var y = YKb(kb);
            svg.Append($"<line x1=\"{Left}\" y1=\"{F(y)}\" x2=\"{Width - Right}\" y2=\"{F(y)}\" stroke=\"#e5e7eb\"/>\n");
            svg.Append($"<text x=\"{Left - 8}\" y=\"{F(y + 4)}\" text-anchor=\"end\" fill=\"#0e7490\">{kb:0.#}</text>\n");
            svg.Append($"<text x=\"{Width - Right + 8}\" y=\"{F(y + 4)}\" fill=\"#a21caf\">{maxMs * i / 4:0.##}</text>\n");
        }
        svg.Append($"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#111827\"/>\n");
        foreach (var l in levels)
            svg.Append($"<text x=\"{F(X(l.Streams))}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{l.Streams:N0}</text>\n");
        svg.Append($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 22}\" text-anchor=\"middle\">concurrent streams</text>\n");
        svg.Append($"<text transform=\"translate(18 {Height / 2}) rotate(-90)\" text-anchor=\"middle\" fill=\"#0e7490\">server memory per stream (KB)</text>\n");
        svg.Append($"<text transform=\"translate({Width - 16} {Height / 2}) rotate(90)\" text-anchor=\"middle\" fill=\"#a21caf\">added delay per token, p99 (ms)</text>\n");
        // The 64 KB goal.
        svg.Append($"<line x1=\"{Left}\" y1=\"{F(YKb(64))}\" x2=\"{Width - Right}\" y2=\"{F(YKb(64))}\" stroke=\"#0e7490\" stroke-dasharray=\"4 4\"/>\n");
        svg.Append($"<text x=\"{Left + 6}\" y=\"{F(YKb(64) - 5)}\" fill=\"#0e7490\">goal: 64 KB</text>\n");
        Series(svg, levels.Select(l => (X(l.Streams), YKb(l.WorkingSetPerStreamKb))), "#0e7490", "");
        Series(svg, levels.Where(l => !double.IsNaN(l.GcHeapPerStreamKb)).Select(l => (X(l.Streams), YKb(l.GcHeapPerStreamKb))), "#22d3ee", "6 3");
        Series(svg, levels.Where(l => !double.IsNaN(l.AddedDelay.P99)).Select(l => (X(l.Streams), YMs(l.AddedDelay.P99))), "#a21caf", "");
        // Legend.
        var ly = Height - 8;
        Legend(svg, Left, ly, "#0e7490", "", "working set per stream");
        Legend(svg, Left + 200, ly, "#22d3ee", "6 3", "GC heap per stream");
        Legend(svg, Left + 380, ly, "#a21caf", "", "added delay p99 (all open)");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Series(StringBuilder svg, IEnumerable<(double X, double Y)> points, string colour, string dash)
    {
        var list = points.Where(p => !double.IsNaN(p.Y)).ToList();
        if (list.Count == 0) return;
        svg.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{(dash.Length > 0 ? $" stroke-dasharray=\"{dash}\"" : "")} points=\"{string.Join(' ', list.Select(p => $"{F(p.X)},{F(p.Y)}"))}\"/>\n");
        foreach (var p in list) svg.Append($"<circle cx=\"{F(p.X)}\" cy=\"{F(p.Y)}\" r=\"3.5\" fill=\"{colour}\"/>\n");
    }

    private static void Legend(StringBuilder svg, double x, double y, string colour, string dash, string label)
    {
        svg.Append($"<line x1=\"{F(x)}\" y1=\"{F(y - 4)}\" x2=\"{F(x + 24)}\" y2=\"{F(y - 4)}\" stroke=\"{colour}\" stroke-width=\"2\"{(dash.Length > 0 ? $" stroke-dasharray=\"{dash}\"" : "")}/>\n");
        svg.Append($"<text x=\"{F(x + 30)}\" y=\"{F(y)}\">{label}</text>\n");
    }

    /// <summary>A round axis maximum above <paramref name="v"/>.</summary>
    private static double Nice(double v)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
            if (step * magnitude >= v) return step * magnitude;
        return 10 * magnitude;
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
