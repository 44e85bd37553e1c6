using System.Text;

namespace Therese.Bench.Report;

/// <summary>A Markdown document being written.</summary>
public sealed class Md
{
    private readonly StringBuilder _text = new();

    public Md Line(string line = "")
    {
        _text.Append(line).Append('\n');
        return this;
    }

    public override string ToString() => _text.ToString();
}
