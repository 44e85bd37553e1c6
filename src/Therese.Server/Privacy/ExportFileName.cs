using System.Globalization;
using System.Text;

namespace Therese.Server.Privacy;

/// <summary>A file name made from a conversation's title that every system accepts.</summary>
public static class ExportFileName
{
    private const int MaxLength = 80;

    /// <summary>
    /// The title without what a file system or a Content-Disposition header would choke on: control and format
    /// characters, path separators, <c>&lt;&gt;:"|?*</c>, leading dots, trailing dots and spaces, Windows device
    /// names; cut to 80 characters on a character boundary; « conversation » when nothing is left.
    /// </summary>
    public static string From(string title, string extension)
    {
        var kept = new StringBuilder(title.Length);
        var space = false;
        foreach (var rune in title.Normalize(NormalizationForm.FormC).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var unsafeChar = rune.Value < 0x20 || rune.Value == 0x7f || category is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || rune.Value is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' or ';' or ',';
            if (unsafeChar || Rune.IsWhiteSpace(rune))
            {
                space = kept.Length > 0;
                continue;
            }
            if (space) kept.Append(' ');
            space = false;
            if (kept.Length + rune.Utf16SequenceLength > MaxLength) break;
            kept.Append(rune.ToString());
        }
        var name = kept.ToString().TrimStart('.', ' ').TrimEnd('.', ' ');
        var stem = name.Split('.')[0].ToUpperInvariant();
        if (name.Length == 0 || stem is "CON" or "PRN" or "AUX" or "NUL" || (stem.Length == 4 && (stem.StartsWith("COM", StringComparison.Ordinal)
            || stem.StartsWith("LPT", StringComparison.Ordinal)) && char.IsAsciiDigit(stem[3])))
            name = "conversation";
        return name + "." + extension;
    }

    /// <summary>An ASCII slug for names inside the archive (« budget-de-la-fete »).</summary>
    public static string Slug(string title, int max = 40)
    {
        var slug = new StringBuilder();
        foreach (var c in Conversations.Conversation.SearchKeyOf(title))
        {
            if (char.IsAsciiLetterOrDigit(c)) slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
            if (slug.Length >= max) break;
        }
        var s = slug.ToString().Trim('-');
        return s.Length == 0 ? "conversation" : s;
    }
}
