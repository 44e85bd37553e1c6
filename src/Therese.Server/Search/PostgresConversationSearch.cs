using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Search;

/// <summary>
/// Search with PostgreSQL's own text search: the <c>therese</c> configuration (simple + unaccent, in the
/// PostgreSQL Initial migration) and GIN indexes; <c>ts_headline</c> marks the words in the original text.
/// </summary>
public sealed partial class PostgresConversationSearch(IDbContextFactory<ThereseDb> dbs) : IConversationSearch
{
    private const string Marks = "StartSel=\u0002, StopSel=\u0003";

    public async Task<IReadOnlyList<SearchHit>> FindAsync(string text, int limit, string? ownerId, CancellationToken ct)
    {
        if (Query(text) is not { } match) return [];
        await using var db = await dbs.CreateDbContextAsync(ct);
        var titles = await db.Database.SqlQuery<SearchHit.Row>($"""
            SELECT c."Id" AS "ConversationId", NULL AS "MessageId", NULL AS "Role",
                   ts_headline('therese', c."Title", q, {Marks + ", HighlightAll=true"}) AS "Snippet"
            FROM conversations AS c, to_tsquery('therese', {match}) AS q
            WHERE to_tsvector('therese', c."Title") @@ q AND c."OwnerId" IS NOT DISTINCT FROM {ownerId}
            ORDER BY ts_rank(to_tsvector('therese', c."Title"), q) DESC LIMIT {limit}
            """).ToListAsync(ct);
        var messages = await db.Database.SqlQuery<SearchHit.Row>($"""
            SELECT m."ConversationId" AS "ConversationId", m."Id" AS "MessageId", m."Role" AS "Role",
                   ts_headline('therese', m."Content", q, {Marks + ", MaxWords=28, MinWords=8, MaxFragments=1, FragmentDelimiter=…"}) AS "Snippet"
            FROM messages AS m JOIN conversations AS c ON c."Id" = m."ConversationId", to_tsquery('therese', {match}) AS q
            WHERE to_tsvector('therese', m."Content") @@ q AND m."Status" <> 'streaming' AND NOT m."Hidden"
              AND c."OwnerId" IS NOT DISTINCT FROM {ownerId}
            ORDER BY ts_rank(to_tsvector('therese', m."Content"), q) DESC LIMIT {limit}
            """).ToListAsync(ct);
        return await SearchHit.MergeAsync(db, titles, messages, limit, ct);
    }

    /// <summary>Each word of the text as a prefix, all required; only letters and digits reach the query.</summary>
    public static string? Query(string text)
    {
        var words = Word().Matches(text).Select(m => m.Value + ":*").Take(12).ToList();
        return words.Count == 0 ? null : string.Join(" & ", words);
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
