using Therese.Server.Conversations;

namespace Therese.Server.Privacy;

/// <summary>A conversation read from an import file, checked, before it is saved.</summary>
/// <param name="Id">The id it had in a THÉRÈSE export, kept when it is free; null for another tool's.</param>
/// <param name="Key">Where it came from (<c>therese:{id}</c>, <c>chatgpt:{id}</c>): the same key is not imported twice.</param>
public sealed record ImportedConversation(string? Id, string Key, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, List<ImportedMessage> Messages);

public sealed record ImportedMessage(
    string? Id, string Role, IReadOnlyList<MessagePart> Parts, string Status, string? StopReason, int? InputTokens, int? OutputTokens,
    DateTimeOffset CreatedAt, int Position, int Version, bool Hidden);

/// <summary>A file THÉRÈSE cannot import, with the French sentence that says why; nothing of it is saved.</summary>
public sealed class ImportException(string detail, int status = StatusCodes.Status400BadRequest, string code = "invalid_import") : Exception(detail)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>Text from a file, made safe to store: no NUL (PostgreSQL refuses it), no lone surrogate (not Unicode).</summary>
public static class ImportText
{
    public static string Clean(string text)
    {
        System.Text.StringBuilder? kept = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pairHigh = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            var pairLow = char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]);
            var ok = c != '\0' && (!char.IsSurrogate(c) || pairHigh || pairLow);
            if (ok) kept?.Append(c);
            else (kept ??= new System.Text.StringBuilder(text, 0, i, text.Length)).Append(c == '\0' ? "" : "\uFFFD");
        }
        return kept?.ToString() ?? text;
    }

    /// <summary>A title on one line, at most 200 characters; « Conversation importée » when there is none.</summary>
    public static string Title(string? title)
    {
        var line = string.Join(' ', Clean(title ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (line.Length == 0) return "Conversation importée";
        if (line.Length <= 200) return line;
        var cut = line[..199];
        if (char.IsHighSurrogate(cut[^1])) cut = cut[..^1];
        return cut + "…";
    }
}
