using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Conversations;

namespace Therese.Server.Storage;

public static class StorageExtensions
{
    /// <summary>
    /// The database through EF Core: SQLite in Therese:DataDir (default: the platform's data folder), or PostgreSQL
    /// (Therese:Storage:Provider = postgres, ConnectionStrings:Therese) for several instances.
    /// </summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        // Resolved lazily, so that every configuration source (tests included) has been applied.
        builder.Services.AddSingleton(sp => DataDirectory.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton(sp => StorageOptions.From(sp.GetRequiredService<IConfiguration>()));
        if (StorageOptions.From(builder.Configuration).IsPostgres)
        {
            builder.Services.AddDbContextFactory<PostgresThereseDb>((sp, o) => o.UseNpgsql(sp.GetRequiredService<StorageOptions>().ConnectionString));
            // Everything else asks for ThereseDb: the PostgreSQL context is one.
            builder.Services.AddSingleton<IDbContextFactory<ThereseDb>, Upcast>();
            builder.Services.AddScoped<ThereseDb>(sp => sp.GetRequiredService<PostgresThereseDb>());
        }
        else
        {
            builder.Services.AddDbContextFactory<ThereseDb>((sp, o) => o.UseSqlite(sp.GetRequiredService<DataDirectory>().ConnectionString)
                .AddInterceptors(SecureDelete.Interceptor));
        }
        builder.Services.AddSingleton<MessageWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MessageWriter>());
        return builder;
    }

    private sealed class Upcast(IDbContextFactory<PostgresThereseDb> inner) : IDbContextFactory<ThereseDb>
    {
        public ThereseDb CreateDbContext() => inner.CreateDbContext();
        public async Task<ThereseDb> CreateDbContextAsync(CancellationToken cancellationToken = default) => await inner.CreateDbContextAsync(cancellationToken);
    }

    /// <summary>
    /// Migrates the schema (with SQLite: creates the data folder, turns on WAL). With one instance,
    /// answers still streaming when the previous process died are marked interrupted; with several,
    /// the sweeper of the live state does it for the instances that died (docs/scaling.md).
    /// Runs before the server accepts requests.
    /// </summary>
    public static async Task PrepareStorageAsync(this WebApplication app, bool sweepInterrupted = true)
    {
        var storage = app.Services.GetRequiredService<StorageOptions>();
        var dir = app.Services.GetRequiredService<DataDirectory>();
        dir.Prepare();

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<ThereseDb>>().CreateDbContextAsync();
        await MigrateAsync(db, storage);
        if (!storage.IsPostgres)
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            dir.RestrictDatabaseFiles();
        }
        else
        {
            await SharedKeyRing.EnsureKeyAsync(app.Services, db);
        }
        if (!sweepInterrupted) return;
        var interrupted = await db.Messages
            .Where(m => m.Status == MessageStatus.Streaming)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Interrupted)
                .SetProperty(m => m.StopReason, "interrupted"));
        if (interrupted > 0)
            app.Logger.LogWarning("{Count} answer(s) were cut off by a previous stop of THÉRÈSE and are now marked interrupted", interrupted);
    }

    /// <summary>
    /// Applies the pending migrations. EF Core's own migration lock on PostgreSQL lasts one migration's
    /// transaction, so two instances starting together each read the same pending list and the second
    /// one adds a column that is already there. A session advisory lock, held on the context's connection
    /// for the whole run, makes the instances migrate one after the other.
    /// </summary>
    private static async Task MigrateAsync(ThereseDb db, StorageOptions storage)
    {
        if (!storage.IsPostgres)
        {
            await db.Database.MigrateAsync();
            return;
        }
        await db.Database.OpenConnectionAsync();
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(7461727365)");
            try { await db.Database.MigrateAsync(); }
            finally { await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(7461727365)"); }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>Therese:Storage:Provider (sqlite or postgres) and ConnectionStrings:Therese.</summary>
public sealed record StorageOptions(string Provider, string? ConnectionString)
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public bool IsPostgres => Provider == Postgres;

    public static StorageOptions From(IConfiguration config)
    {
        var provider = config["Therese:Storage:Provider"] is { Length: > 0 } p ? p.Trim().ToLowerInvariant() : Sqlite;
        if (provider is not (Sqlite or Postgres))
            throw new InvalidOperationException($"Therese:Storage:Provider must be sqlite or postgres (got {provider}).");
        var connection = config.GetConnectionString("Therese");
        if (provider == Postgres && string.IsNullOrWhiteSpace(connection))
            throw new InvalidOperationException("Therese:Storage:Provider is postgres: set ConnectionStrings:Therese (Host=…;Database=…;Username=…;Password=…).");
        return new StorageOptions(provider, connection);
    }
}

/// <summary>Where THÉRÈSE keeps its database: Therese:DataDir, by default the platform's place (<see cref="DefaultDataFolder"/>).</summary>
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
            dir = DefaultDataFolder.Path(home);
        else if (dir == "~" || dir.StartsWith("~/", StringComparison.Ordinal))
            dir = home + dir[1..];
        return new DataDirectory(System.IO.Path.GetFullPath(Environment.ExpandEnvironmentVariables(dir)));
    }
}
