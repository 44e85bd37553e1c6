using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Accounts;
using Therese.Server.Attachments;
using Therese.Server.Conversations;
using Therese.Server.Settings;

namespace Therese.Server.Storage;

/// <summary>
/// THÉRÈSE's data. SQLite by default; PostgreSQL through <see cref="PostgresThereseDb"/>, the same model
/// with its own migrations (Storage/Migrations/Postgres).
/// </summary>
public class ThereseDb : IdentityDbContext<ThereseUser>, IDataProtectionKeyContext
{
    public ThereseDb(DbContextOptions<ThereseDb> options) : base(options) { }

    protected ThereseDb(DbContextOptions options) : base(options) { }

    /// <summary>The Data Protection key ring, shared by every instance when they share the database.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<Setting> Settings => Set<Setting>();
    public DbSet<UsageDay> Usage => Set<UsageDay>();
    public DbSet<Audit.AuditEntry> Audit => Set<Audit.AuditEntry>();
    public DbSet<Attachment> Attachments => Set<Attachment>();
    public DbSet<AttachmentFile> AttachmentFiles => Set<AttachmentFile>();
    public DbSet<MessageAttachment> MessageAttachments => Set<MessageAttachment>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        // Accounts (team mode): Identity's own tables, with the names of this database.
        base.OnModelCreating(model);
        model.Entity<ThereseUser>(u =>
        {
            u.ToTable("users");
            u.Property(x => x.DisplayName).HasMaxLength(200);
            u.Property(x => x.Role).HasMaxLength(16);
        });
        model.Entity<Microsoft.AspNetCore.Identity.IdentityRole>().ToTable("roles");
        model.Entity<Microsoft.AspNetCore.Identity.IdentityUserRole<string>>().ToTable("user_roles");
        model.Entity<Microsoft.AspNetCore.Identity.IdentityUserClaim<string>>().ToTable("user_claims");
        model.Entity<Microsoft.AspNetCore.Identity.IdentityUserLogin<string>>().ToTable("user_logins");
        model.Entity<Microsoft.AspNetCore.Identity.IdentityUserToken<string>>().ToTable("user_tokens");
        model.Entity<Microsoft.AspNetCore.Identity.IdentityRoleClaim<string>>().ToTable("role_claims");
        model.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        model.Entity<UsageDay>(u =>
        {
            u.ToTable("usage");
            u.HasKey(x => new { x.UserId, x.Day });
            u.Property(x => x.UserId).HasMaxLength(64);
        });

        model.Entity<Conversation>(c =>
        {
            c.ToTable("conversations");
            c.Property(x => x.Id).HasMaxLength(64);
            c.Property(x => x.OwnerId).HasMaxLength(64);
            c.HasIndex(x => new { x.OwnerId, x.UpdatedAt });
            c.Property(x => x.Title).HasMaxLength(200);
            c.Property(x => x.SearchKey).HasMaxLength(400);
            c.HasIndex(x => x.UpdatedAt);
            c.Property(x => x.ImportKey).HasMaxLength(200);
            c.HasIndex(x => new { x.OwnerId, x.ImportKey });
            c.HasMany(x => x.Messages).WithOne().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<Message>(m =>
        {
            m.ToTable("messages");
            m.Property(x => x.Id).HasMaxLength(64);
            m.Property(x => x.Role).HasMaxLength(16);
            m.Property(x => x.Status).HasMaxLength(16);
            m.Property(x => x.Parts).HasConversion(PartsColumn.Converter, PartsColumn.Comparer);
            // Well-formed by construction: one message per place and version, whatever runs concurrently.
            m.HasIndex(x => new { x.ConversationId, x.Position, x.Version }).IsUnique();
            m.HasIndex(x => x.Status);
        });
        model.ApplyConfiguration(new Audit.AuditEntry.Table());
        AttachmentsModel.Configure(model);
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

/// <summary>For `dotnet ef migrations add … --context ThereseDb`: the SQLite migrations, written without a database.</summary>
public sealed class SqliteDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<ThereseDb>
{
    public ThereseDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ThereseDb>().UseSqlite("Data Source=therese-design.db").Options);
}
