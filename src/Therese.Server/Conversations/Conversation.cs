namespace Therese.Server.Conversations;

public sealed class Conversation
{
    public required string Id { get; init; }

    /// <summary>The person it belongs to in team mode; null in personal mode (one person, everything theirs).</summary>
    public string? OwnerId { get; init; }
    public required string Title
    {
        get;
        set
        {
            field = value;
            SearchKey = SearchKeyOf(value);
        }
    }

    /// <summary>The title without case or accents, for search: « ÉTÉ » finds « été ».</summary>
    public string SearchKey { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<Message> Messages { get; init; } = [];

    /// <summary>
    /// Where an imported conversation came from (<c>therese:{id}</c>, <c>chatgpt:{id}</c>): importing the same file
    /// again adds nothing. Null for a conversation held here.
    /// </summary>
    public string? ImportKey { get; init; }

    public const int TitleLength = 50;

    public static string SearchKeyOf(string text)
    {
        var decomposed = text.Normalize(System.Text.NormalizationForm.FormD);
        var kept = new System.Text.StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
            if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark)
                kept.Append(c);
        return kept.ToString().Normalize(System.Text.NormalizationForm.FormC).ToLowerInvariant()
            .Replace("œ", "oe").Replace("æ", "ae");
    }

    /// <summary>
    /// The first user message on one line; past 50 characters it is cut at the last word that fits and ends
    /// with « … », so a title never stops in the middle of a word.
    /// </summary>
    public static string TitleFrom(string firstMessage)
    {
        var oneLine = string.Join(' ', firstMessage.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var info = new System.Globalization.StringInfo(oneLine);
        if (info.LengthInTextElements <= TitleLength) return oneLine;
        var cut = info.SubstringByTextElements(0, TitleLength);
        // The next character starts a new word: the cut is already on a boundary.
        var nextIsSpace = char.IsWhiteSpace(info.SubstringByTextElements(TitleLength, 1)[0]);
        var space = cut.LastIndexOf(' ');
        if (!nextIsSpace && space >= TitleLength / 2) cut = cut[..space];
        return cut.TrimEnd(' ', ',', ';', ':', '.', '-', '–', '—', '(', '«') + "…";
    }
}
