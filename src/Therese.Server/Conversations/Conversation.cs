namespace Therese.Server.Conversations;

public sealed class Conversation
{
    public required string Id { get; init; }
    public required string Title { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<Message> Messages { get; init; } = [];

    public const int TitleLength = 50;

    /// <summary>The first 50 text elements of the first user message, on one line.</summary>
    public static string TitleFrom(string firstMessage)
    {
        var oneLine = string.Join(' ', firstMessage.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var info = new System.Globalization.StringInfo(oneLine);
        return info.LengthInTextElements <= TitleLength ? oneLine : info.SubstringByTextElements(0, TitleLength).TrimEnd();
    }
}
