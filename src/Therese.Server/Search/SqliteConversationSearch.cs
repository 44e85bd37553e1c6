using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Search;

/// <summary>
/// Full-text search with SQLite FTS5 (tables and triggers in the FullTextSearch migration), ignoring case
/// and accents (unicode61 remove_diacritics).
/// </summary>
public sealed partial class SqliteConversationSearch(IDbContextFactory<ThereseDb> dbs) : IConversationSearch
{
    public async Task<IReadOnlyList<SearchHit>> FindAsync(string text, int limit, string? ownerId, CancellationToken ct)
    {
        if (Query(text) is not { } match) return [];
        await using var db = await dbs.CreateDbContextAsync(ct);
        var titles = await db.Database.SqlQuery<SearchHit.Row>($"""
            SELECT c."Id" AS "ConversationId", NULL AS "MessageId", NULL AS "Role",
                   highlight(conversations_fts, 0, char(2), char(3)) AS "Snippet"
            FROM conversations_fts JOIN conversations AS c ON c.rowid = conversations_fts.rowid
            WHERE conversations_fts MATCH {match} AND c."OwnerId" IS {ownerId}
            ORDER BY bm25(conversations_fts) LIMIT {limit}
            """).ToListAsync(ct);
        var messages = await db.Database.SqlQuery<SearchHit.Row>($"""
            SELECT m."ConversationId" AS "ConversationId", m."Id" AS "MessageId", m."Role" AS "Role",
                   snippet(messages_fts, 0, char(2), char(3), '…', 14) AS "Snippet"
            FROM messages_fts JOIN messages AS m ON m.rowid = messages_fts.rowid
                JOIN conversations AS c ON c."Id" = m."ConversationId"
            WHERE messages_fts MATCH {match} AND m."Hidden" = 0 AND c."OwnerId" IS {ownerId}
            ORDER BY bm25(messages_fts) LIMIT {limit}
            """).ToListAsync(ct);

        return await SearchHit.MergeAsync(db, titles, messages, limit, ct);
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
