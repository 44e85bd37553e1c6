using Microsoft.EntityFrameworkCore;
using Therese.Server.Conversations;
using Therese.Server.Settings;

namespace Therese.Server.Storage;

public sealed class ThereseDb(DbContextOptions<ThereseDb> options) : DbContext(options)
{
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<Setting> Settings => Set<Setting>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Conversation>(c =>
        {
            c.ToTable("conversations");
            c.Property(x => x.Id).HasMaxLength(64);
            c.Property(x => x.Title).HasMaxLength(200);
            c.Property(x => x.SearchKey).HasMaxLength(400);
            c.HasIndex(x => x.UpdatedAt);
            c.HasMany(x => x.Messages).WithOne().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<Message>(m =>
        {
            m.ToTable("messages");
            m.Property(x => x.Id).HasMaxLength(64);
            m.Property(x => x.Role).HasMaxLength(16);
            m.Property(x => x.Status).HasMaxLength(16);
            // Well-formed by construction: one message per place and version, whatever runs concurrently.
            m.HasIndex(x => new { x.ConversationId, x.Position, x.Version }).IsUnique();
            m.HasIndex(x => x.Status);
        });
        model.Entity<Setting>(s =>
        {
            s.ToTable("settings");
            s.HasKey(x => x.Key);
            s.Property(x => x.Key).HasMaxLength(64);
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        // SQLite cannot order by DateTimeOffset natively; store UTC ticks so ORDER BY works in SQL.
        conventions.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }

    private sealed class UtcTicksConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
}
