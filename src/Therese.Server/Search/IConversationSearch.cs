using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Search;

/// <summary>
/// Search in titles and finished messages, ignoring case and accents: SQLite FTS5 or PostgreSQL text
/// search. Snippets mark the matched words with <see cref="SearchHit.MarkStart"/> and
/// <see cref="SearchHit.MarkEnd"/>, never with HTML: the text is a model's, the page builds the highlight.
/// </summary>
public interface IConversationSearch
{
    /// <param name="ownerId">Team mode: only this person's conversations; null in personal mode.</param>
    Task<IReadOnlyList<SearchHit>> FindAsync(string text, int limit, string? ownerId, CancellationToken ct);
}

/// <summary>One place a search found: a conversation's title, or a message in it.</summary>
public sealed record SearchHit(
    string ConversationId, string Title, DateTimeOffset UpdatedAt, string? MessageId, string? Role, string Snippet)
{
    public const char MarkStart = '\u0002';
    public const char MarkEnd = '\u0003';

    /// <summary>A row of either database's search query.</summary>
    public sealed record Row(string ConversationId, string? MessageId, string? Role, string Snippet);

    /// <summary>Title hits first, then messages, each with its conversation's title and date.</summary>
    public static async Task<IReadOnlyList<SearchHit>> MergeAsync(ThereseDb db, List<Row> titles, List<Row> messages, int limit, CancellationToken ct)
    {
        var ids = titles.Concat(messages).Select(r => r.ConversationId).Distinct().ToList();
        var conversations = await db.Conversations.AsNoTracking().Where(c => ids.Contains(c.Id))
            .ToDictionaryAsync(c => c.Id, c => (c.Title, c.UpdatedAt), ct);
        return [.. titles.Concat(messages)
            .Where(r => conversations.ContainsKey(r.ConversationId))
            .Take(limit)
            .Select(r => new SearchHit(r.ConversationId, conversations[r.ConversationId].Title, conversations[r.ConversationId].UpdatedAt,
                r.MessageId, r.Role, r.Snippet))];
    }
}
