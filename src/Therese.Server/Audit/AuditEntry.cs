using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Therese.Server.Audit;

/// <summary>
/// One action of an administrator (or of THÉRÈSE itself, such as a retention run): who, when, what, on what, from where.
/// Never a message, a title or a setting's value: only names, counts and ids.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }

    /// <summary>The person who acted; null for THÉRÈSE itself (a retention run).</summary>
    public string? ActorId { get; init; }

    /// <summary>Their address at the time, kept when the account is deleted later.</summary>
    public string ActorEmail { get; init; } = "";

    /// <summary>A stable code: <c>user.created</c>, <c>settings.changed</c>, <c>retention.run</c>… (see <see cref="AuditActions"/>).</summary>
    public required string Action { get; init; }
    public string? TargetId { get; init; }

    /// <summary>What the target was called (a person's address, a model file), for reading the log after it is gone.</summary>
    public string? TargetLabel { get; init; }

    /// <summary>Which fields changed, or a count: never a value a person wrote.</summary>
    public string? Detail { get; init; }

    /// <summary>The client's IP address (the proxy's X-Forwarded-For when THÉRÈSE is told to trust it).</summary>
    public string? Address { get; init; }

    internal sealed class Table : IEntityTypeConfiguration<AuditEntry>
    {
        public void Configure(EntityTypeBuilder<AuditEntry> e)
        {
            e.ToTable("audit_log");
            e.Property(x => x.ActorId).HasMaxLength(64);
            e.Property(x => x.ActorEmail).HasMaxLength(256);
            e.Property(x => x.Action).HasMaxLength(64);
            e.Property(x => x.TargetId).HasMaxLength(256);
            e.Property(x => x.TargetLabel).HasMaxLength(256);
            e.Property(x => x.Detail).HasMaxLength(1000);
            e.Property(x => x.Address).HasMaxLength(64);
            e.HasIndex(x => x.At);
        }
    }
}

/// <summary>What the audit trail records. The page names each one in French.</summary>
public static class AuditActions
{
    public const string UserCreated = "user.created";
    public const string UserUpdated = "user.updated";
    public const string UserDeleted = "user.deleted";
    public const string SettingsChanged = "settings.changed";
    public const string RetentionChanged = "retention.changed";
    public const string RetentionRun = "retention.run";
    public const string LocalModelDownloadStarted = "local_model.download_started";
    public const string LocalModelDownloadCancelled = "local_model.download_cancelled";
    public const string LocalModelDeleted = "local_model.deleted";
    public const string DataExported = "data.exported";
    public const string DataDeleted = "data.deleted";
    public const string AuditExported = "audit.exported";
    public const string ToolServerAdded = "tool_server.added";
    public const string ToolServerRemoved = "tool_server.removed";
    public const string ToolApprovalChanged = "tool.approval_changed";
}
