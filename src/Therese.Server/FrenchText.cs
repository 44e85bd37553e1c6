using System.Globalization;

namespace Therese.Server;

/// <summary>French typography for the messages users read.</summary>
public static class FrenchText
{
    private static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("fr-FR");

    /// <summary>Byte counts as a French reader expects them: "1,2 Go", "350 Mo" (decimal units, non-breaking space).</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1_000_000_000_000 => (bytes / 1e12).ToString("0.0", Culture) + "\u00a0To",
        >= 1_000_000_000 => (bytes / 1e9).ToString("0.0", Culture) + "\u00a0Go",
        >= 1_000_000 => (bytes / 1e6).ToString("0", Culture) + "\u00a0Mo",
        >= 1_000 => (bytes / 1e3).ToString("0", Culture) + "\u00a0ko",
        _ => bytes.ToString(Culture) + "\u00a0octets",
    };

    /// <summary>12345 as French writes it: 12 345, with a narrow no-break space.</summary>
    public static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture).Replace(",", "\u202f", StringComparison.Ordinal);

    /// <summary>« text », with the non-breaking spaces French puts inside the guillemets.</summary>
    public static string Quote(string text) => "«\u00a0" + text + "\u00a0»";
}
