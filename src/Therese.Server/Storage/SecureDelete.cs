using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Therese.Server.Storage;

/// <summary>
/// SQLite overwrites what it deletes (<c>PRAGMA secure_delete</c>) on every connection THÉRÈSE opens: a deleted
/// message, and every earlier state of a row (a streaming answer is rewritten each second), leaves no bytes
/// behind in the database file. The pragma holds for the life of a connection, so it runs once per connection
/// in the pool, not at every open.
/// </summary>
public sealed class SecureDelete : DbConnectionInterceptor
{
    public static readonly SecureDelete Interceptor = new();

    private static readonly ConditionalWeakTable<object, object> Done = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (Needed(connection) is { } handle)
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA secure_delete = ON;";
            pragma.ExecuteNonQuery();
            Done.AddOrUpdate(handle, handle);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (Needed(connection) is { } handle)
        {
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA secure_delete = ON;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            Done.AddOrUpdate(handle, handle);
        }
    }

    private static object? Needed(DbConnection connection) =>
        connection is SqliteConnection { Handle: { } handle } && !Done.TryGetValue(handle, out _) ? handle : null;
}
