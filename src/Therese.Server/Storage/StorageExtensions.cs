using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Conversations;

namespace Therese.Server.Storage;

public static class StorageExtensions
{
    /// <summary>SQLite in Therese:DataDir (default ~/.therese), through EF Core.</summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        // Resolved lazily, so that every configuration source (tests included) has been applied.
        builder.Services.AddSingleton(sp => DataDirectory.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddDbContextFactory<ThereseDb>((sp, o) => o.UseSqlite(sp.GetRequiredService<DataDirectory>().ConnectionString));
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
        dir.Prepare();

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<ThereseDb>>().CreateDbContextAsync();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        dir.RestrictDatabaseFiles();
        var interrupted = await db.Messages
            .Where(m => m.Status == MessageStatus.Streaming)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Interrupted)
                .SetProperty(m => m.StopReason, "interrupted"));
        if (interrupted > 0)
            app.Logger.LogWarning("{Count} answer(s) were cut off by a previous stop of THÉRÈSE and are now marked interrupted", interrupted);
    }
}

/// <summary>Where THÉRÈSE keeps its database: Therese:DataDir, by default ~/.therese.</summary>
public sealed record DataDirectory(string Path)
{
    /// <summary>Local GGUF models, downloaded or copied there by the user.</summary>
    public string ModelsPath => System.IO.Path.Combine(Path, "models");

    /// <summary>The Data Protection key ring that encrypts saved API keys.</summary>
    public string KeysPath => System.IO.Path.Combine(Path, "keys");

    public string DatabasePath => System.IO.Path.Combine(Path, "therese.db");

    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the data folder, its key ring folder and an empty database, readable by their owner only
    /// (0700 and 0600 on Unix): they hold conversations and encrypted keys.
    /// </summary>
    public void Prepare()
    {
        CreateOwnerOnly(Path);
        CreateOwnerOnly(KeysPath);
        if (OperatingSystem.IsWindows() || File.Exists(DatabasePath)) return;
        // SQLite gives its -wal and -shm files the mode of the database file.
        using var _ = new FileStream(DatabasePath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile,
        });
    }

    /// <summary>Databases created by an earlier version were readable by others: tighten them.</summary>
    public void RestrictDatabaseFiles()
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm" })
            if (File.Exists(file)) File.SetUnixFileMode(file, OwnerOnlyFile);
    }

    public static void CreateOwnerOnly(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        Directory.CreateDirectory(folder, OwnerOnlyFolder);
        File.SetUnixFileMode(folder, OwnerOnlyFolder);
    }

    public string ConnectionString => new SqliteConnectionStringBuilder
    {
        DataSource = DatabasePath,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public static DataDirectory From(IConfiguration config)
    {
        var dir = config["Therese:DataDir"];
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrWhiteSpace(dir))
            dir = System.IO.Path.Combine(home, ".therese");
        else if (dir == "~" || dir.StartsWith("~/", StringComparison.Ordinal))
            dir = home + dir[1..];
        return new DataDirectory(System.IO.Path.GetFullPath(Environment.ExpandEnvironmentVariables(dir)));
    }
}
