using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Therese.Server.Storage;

/// <summary>The same model on PostgreSQL (several instances), with its own migrations in Storage/Migrations/Postgres.</summary>
public sealed class PostgresThereseDb(DbContextOptions<PostgresThereseDb> options) : ThereseDb(options);

/// <summary>For `dotnet ef migrations add … --context PostgresThereseDb`: no server is contacted to write a migration.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresThereseDb>
{
    public PostgresThereseDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresThereseDb>().UseNpgsql("Host=localhost;Database=therese_design").Options);
}
