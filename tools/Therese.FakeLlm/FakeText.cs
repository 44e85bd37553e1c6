using System.Text.RegularExpressions;

namespace Therese.FakeLlm;

/// <summary>Deterministic French text used by the fake provider, and how a literal text is split into tokens.</summary>
public static partial class FakeText
{
    private static readonly string[] Words =
    [
        "Déjà", "l'équipe", "prépare", "à", "la", "mairie", "un", "café", "très", "apprécié", "des", "élèves",
        "où", "chaque", "idée", "est", "notée", "sur", "une", "fenêtre", "œuvre", "commune", "ça", "marche",
        "hôtel", "forêt", "naïve", "Noël", "garçon", "cœur", "après", "été", "leçon", "façade", "rôle", "âme",
        "bientôt", "première", "réunion", "entreprise", "association", "français", "trésorière", "procès-verbal",
        "budget", "qualité", "sécurité", "économie", "créer", "développer", "répondre", "intérêt", "énergie",
        "matériel", "fidèle", "sœur", "château", "plutôt", "aussi", "dès", "voilà", "très", "grâce", "goût",
    ];

    private static readonly string[] Emojis = ["☕", "🇫🇷", "🥐", "✨", "📈", "🙂", "🏛️", "👩‍💼"];

    /// <summary>
    /// Deterministic text that the directive <c>{"tokens":N}</c> streams: exactly <paramref name="count"/> tokens.
    /// Plain mode: each token is a French word with its leading space, with an emoji now and then.
    /// Markdown mode: headings, paragraphs, bullet lists, a table and code fences, still exactly N tokens
    /// (the text may end in the middle of a block, e.g. inside an open code fence).
    /// </summary>
    public static IReadOnlyList<string> Tokens(int count, bool markdown = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var list = new List<string>(count);
        using var e = (markdown ? MarkdownTokens() : PlainTokens()).GetEnumerator();
        while (list.Count < count && e.MoveNext()) list.Add(e.Current);
        return list;
    }

    public static string Text(int count, bool markdown = false) => string.Concat(Tokens(count, markdown));

    /// <summary>The tokens a <c>{"chars":N}</c> directive streams: the same text, cut at exactly N characters.</summary>
    public static IReadOnlyList<string> OfLength(int length, bool markdown = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var list = new List<string>();
        var total = 0;
        using var e = (markdown ? MarkdownTokens() : PlainTokens()).GetEnumerator();
        while (total < length && e.MoveNext())
        {
            // The last token is padded rather than cut, so that no emoji is split in half.
            var token = e.Current.Length <= length - total ? e.Current : new string('.', length - total);
            list.Add(token);
            total += token.Length;
        }
        return list;
    }

    /// <summary>A text cut into chunks of <paramref name="size"/> characters (the last one shorter): tags split anywhere.</summary>
    public static IReadOnlyList<string> Chunks(string text, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var chunks = new List<string>(text.Length / size + 1);
        for (var i = 0; i < text.Length; i += size) chunks.Add(text.Substring(i, Math.Min(size, text.Length - i)));
        return chunks;
    }

    /// <summary>
    /// How a "text" directive is split into tokens: each token is a run of whitespace (newlines kept)
    /// followed by a run of non-whitespace; trailing whitespace is a last token. Concatenation gives the text back exactly.
    /// </summary>
    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        foreach (Match m in TokenRegex().Matches(text)) tokens.Add(m.Value);
        return tokens;
    }

    [GeneratedRegex(@"\s*\S+|\s+$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenRegex();

    private static IEnumerable<string> PlainTokens()
    {
        for (var i = 0; ; i++)
        {
            if (i % 13 == 12) yield return " " + Emojis[i / 13 % Emojis.Length];
            else yield return " " + Word(i);
        }
    }

    private static string Word(int i) => Words[(int)((uint)(i * 7 + i / Words.Length) % (uint)Words.Length)];

    private static IEnumerable<string> MarkdownTokens()
    {
        var w = 0;
        for (var section = 1; ; section++)
        {
            // Heading
            yield return section == 1 ? "## Étape" : "\n\n## Étape";
            yield return " " + section;
            yield return " :";
            yield return " " + Word(w++);
            yield return " " + Emojis[section % Emojis.Length];
            yield return "\n\n";
            // Paragraph with bold and italic
            yield return "Voici";
            yield return " **" + Word(w++) + "**";
            for (var k = 0; k < 8; k++) yield return " " + Word(w++);
            yield return " *" + Word(w++) + "*";
            yield return ".";
            yield return "\n\n";
            // Bullet list
            for (var b = 0; b < 3; b++)
            {
                yield return "- " + Word(w++);
                yield return " " + Word(w++);
                yield return " " + Word(w++);
                yield return "\n";
            }
            yield return "\n";
            // Table
            yield return "| Élément";
            yield return " | Coût";
            yield return " |\n";
            yield return "|---";
            yield return "|---:";
            yield return "|\n";
            for (var r = 0; r < 2; r++)
            {
                yield return "| " + Word(w++);
                yield return " | " + (section * 10 + r * 5) + " €";
                yield return " |\n";
            }
            yield return "\n";
            // Code fence
            yield return "```";
            yield return "csharp\n";
            yield return "var";
            yield return " résumé";
            yield return " =";
            yield return " \"" + Word(w++) + "\";";
            yield return "\n";
            yield return "Console.WriteLine(résumé);";
            yield return "\n";
            yield return "```";
        }
    }
}
