using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Conversations;

namespace Therese.Server.Storage;

public static class StorageExtensions
{
    /// <summary>SQLite in Therese:DataDir (default ~/.therese), through EF Core.</summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        var dataDir = builder.Configuration["Therese:DataDir"];
        if (string.IsNullOrWhiteSpace(dataDir))
            dataDir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".therese");
        dataDir = Path.GetFullPath(Environment.ExpandEnvironmentVariables(dataDir));

        var connection = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, "therese.db"),
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        builder.Services.AddDbContextFactory<ThereseDb>(o => o.UseSqlite(connection));
        builder.Services.AddSingleton(new DataDirectory(dataDir));
        builder.Services.AddSingleton<MessageWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MessageWriter>());
        return builder;
    }

    /// <summary>
    /// Creates the data folder, migrates the schema, turns on WAL, and marks answers that were still
    /// streaming when the previous process died as interrupted. Runs before the server accepts requests.
    /// </summary>
    public static async Task PrepareStorageAsync(this WebApplication app)
    {
        var dir = app.Services.GetRequiredService<DataDirectory>();
        Directory.CreateDirectory(dir.Path);

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<ThereseDb>>().CreateDbContextAsync();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        var interrupted = await db.Messages
            .Where(m => m.Status == MessageStatus.Streaming)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Interrupted)
                .SetProperty(m => m.StopReason, "interrupted"));
        if (interrupted > 0)
            app.Logger.LogWarning("{Count} answer(s) were cut off by a previous stop of THÉRÈSE and are now marked interrupted", interrupted);
    }
}

public sealed record DataDirectory(string Path);
