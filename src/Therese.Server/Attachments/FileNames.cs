using System.Globalization;
using System.Text;

namespace Therese.Server.Attachments;

/// <summary>A file's name is display text only: never a path, never a trick.</summary>
public static class FileNames
{
    public const int MaxLength = 200;

    /// <summary>
    /// The last segment of whatever the browser sent, without control or bidirectional-override characters (which can
    /// make « facture‮fdp.exe » look like « facture.exe.pdf »), trimmed, at most 200 characters; « fichier » when nothing is left.
    /// </summary>
    public static string Display(string? raw)
    {
        var name = raw ?? "";
        var slash = name.LastIndexOfAny(['/', '\\']);
        if (slash >= 0) name = name[(slash + 1)..];
        var kept = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormC))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.OtherNotAssigned) continue;
            kept.Append(c);
        }
        var clean = kept.ToString().Trim().Trim('.').Trim();
        if (clean.Length > MaxLength)
        {
            var info = new StringInfo(clean);
            clean = info.SubstringByTextElements(0, Math.Min(info.LengthInTextElements, MaxLength));
            if (clean.Length > MaxLength) clean = clean[..MaxLength];
        }
        return clean.Length == 0 ? "fichier" : clean;
    }
}
