using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Therese.Testing;

/// <summary>Every row of every table of THÉRÈSE's database, as text, read on a connection of its own.</summary>
public static class DatabaseRows
{
    public static async Task<List<string>> ReadAsync(string dataDir)
    {
        var rows = new List<string>();
        var path = Path.Combine(dataDir, "therese.db");
        await using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await db.OpenAsync();
        var tables = new List<string>();
        await using (var list = db.CreateCommand())
        {
            // The full-text indexes (messages_fts, conversations_fts and their shadow tables) are derived from the
            // tables themselves: the meaning is in the tables.
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%\\_fts%' ESCAPE '\\' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        foreach (var table in tables)
        {
            await using var select = db.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\" ORDER BY rowid";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var values = Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i)
                    ? $"{reader.GetName(i)}=null"
                    : $"{reader.GetName(i)}={Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)}");
                rows.Add($"{table}: {string.Join(" | ", values)}");
            }
        }
        return rows;
    }
}
