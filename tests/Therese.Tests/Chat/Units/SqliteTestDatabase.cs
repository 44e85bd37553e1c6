using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Therese.Server.Storage;

namespace Therese.Tests.Chat.Units;

/// <summary>A real, migrated SQLite file in a folder of its own, for the unit tests that need storage; the folder goes at the end.</summary>
internal sealed class SqliteTestDatabase(string dir, IDbContextFactory<ThereseDb> dbs)
{
    public IDbContextFactory<ThereseDb> Dbs => dbs;

    public static async Task<SqliteTestDatabase> CreateAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "therese-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var options = new DbContextOptionsBuilder<ThereseDb>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "therese.db"), Pooling = false }.ToString())
            .Options;
        var database = new SqliteTestDatabase(dir, new PooledDbContextFactory<ThereseDb>(options));
        await using (var db = await database.Dbs.CreateDbContextAsync()) await db.Database.MigrateAsync();
        return database;
    }

    public void Delete()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
