using System.Globalization;
using System.Text.RegularExpressions;

namespace Therese.Tests.Observability;

/// <summary>One line of a Prometheus scrape: a series and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>Reads the Prometheus text format as a scraper does, enough to find a series by name and labels.</summary>
public sealed partial class PrometheusText(string text)
{
    public string Text => text;

    public IReadOnlyList<PrometheusSample> Samples { get; } = Parse(text);

    /// <summary>The samples of this series name whose labels include all of <paramref name="labels"/>.</summary>
    public IEnumerable<PrometheusSample> Find(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    /// <summary>The one sample of this series with these labels; fails, showing the scrape, when there is none or several.</summary>
    public double Single(string name, params (string Key, string Value)[] labels)
    {
        var found = Find(name, labels).ToList();
        Assert.True(found.Count == 1,
            $"{found.Count} samples of {name} with {string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"))} in the scrape:\n{text}");
        return found[0].Value;
    }

    /// <summary>The TYPE line of a metric family (counter, gauge, histogram), or null.</summary>
    public string? TypeOf(string family) =>
        text.Split('\n').Select(l => l.Split(' ')).FirstOrDefault(p => p.Length >= 4 && p[0] == "#" && p[1] == "TYPE" && p[2] == family)?[3];

    private static List<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a Prometheus sample: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["key"].Value, m => Regex.Unescape(m.Groups["value"].Value));
            samples.Add(new PrometheusSample(match.Groups["name"].Value, labels,
                double.Parse(match.Groups["value"].Value.Replace("+Inf", "Infinity"), CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
