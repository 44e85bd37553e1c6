using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Search;

/// <summary>One place a search found: a conversation's title, or a message in it.</summary>
public sealed record SearchHit(
    string ConversationId, string Title, DateTimeOffset UpdatedAt, string? MessageId, string? Role, string Snippet);

/// <summary>
/// Full-text search over titles and messages with SQLite FTS5 (tables and triggers in the FullTextSearch
/// migration), ignoring case and accents like the rest of THÉRÈSE. Snippets mark the matched words with
/// <see cref="MarkStart"/> and <see cref="MarkEnd"/>, never with HTML: the text is a model's, the page
/// builds the highlight itself.
/// </summary>
public sealed partial class ConversationSearch(IDbContextFactory<ThereseDb> dbs)
{
    public const char MarkStart = '\u0002';
    public const char MarkEnd = '\u0003';

    private sealed record Row(string ConversationId, string? MessageId, string? Role, string Snippet);

    public async Task<IReadOnlyList<SearchHit>> FindAsync(string text, int limit, CancellationToken ct)
    {
        if (Query(text) is not { } match) return [];
        await using var db = await dbs.CreateDbContextAsync(ct);
        var titles = await db.Database.SqlQuery<Row>($"""
            SELECT c."Id" AS "ConversationId", NULL AS "MessageId", NULL AS "Role",
                   highlight(conversations_fts, 0, char(2), char(3)) AS "Snippet"
            FROM conversations_fts JOIN conversations AS c ON c.rowid = conversations_fts.rowid
            WHERE conversations_fts MATCH {match}
            ORDER BY bm25(conversations_fts) LIMIT {limit}
            """).ToListAsync(ct);
        var messages = await db.Database.SqlQuery<Row>($"""
            SELECT m."ConversationId" AS "ConversationId", m."Id" AS "MessageId", m."Role" AS "Role",
                   snippet(messages_fts, 0, char(2), char(3), '…', 14) AS "Snippet"
            FROM messages_fts JOIN messages AS m ON m.rowid = messages_fts.rowid
            WHERE messages_fts MATCH {match} AND m."Hidden" = 0
            ORDER BY bm25(messages_fts) LIMIT {limit}
            """).ToListAsync(ct);

        var ids = titles.Concat(messages).Select(r => r.ConversationId).Distinct().ToList();
        var conversations = await db.Conversations.AsNoTracking().Where(c => ids.Contains(c.Id))
            .ToDictionaryAsync(c => c.Id, c => (c.Title, c.UpdatedAt), ct);
        return [.. titles.Concat(messages)
            .Where(r => conversations.ContainsKey(r.ConversationId))
            .Take(limit)
            .Select(r => new SearchHit(r.ConversationId, conversations[r.ConversationId].Title, conversations[r.ConversationId].UpdatedAt,
                r.MessageId, r.Role, r.Snippet))];
    }

    /// <summary>
    /// The words of the user's text as an FTS5 query: each one quoted (no operator can be injected) and
    /// matched as a prefix, all of them required. Null when there is no word to look for.
    /// </summary>
    public static string? Query(string text)
    {
        var words = Word().Matches(text).Select(m => m.Value).Take(12).ToList();
        if (words.Count == 0) return null;
        var query = new StringBuilder();
        foreach (var word in words)
            query.Append('"').Append(word.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\"* ");
        return query.ToString().TrimEnd();
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
