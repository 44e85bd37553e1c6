using System.Globalization;

namespace Therese.Server.Privacy;

/// <summary>Dates in exported documents, as a French reader writes them, in UTC (the server cannot know the reader's zone).</summary>
internal static class FrenchDates
{
    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");

    /// <summary>« 4 décembre 2026 à 10:32 UTC ».</summary>
    public static string Long(DateTimeOffset at) => at.UtcDateTime.ToString("d MMMM yyyy 'à' HH:mm", French) + "\u00a0UTC";
}
