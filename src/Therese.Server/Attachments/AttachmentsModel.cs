using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Therese.Server.Conversations;

namespace Therese.Server.Attachments;

/// <summary>The attachments' tables: files once per content, attachments per person, and which messages carry them.</summary>
public static class AttachmentsModel
{
    public static void Configure(ModelBuilder model)
    {
        model.Entity<AttachmentFile>(f =>
        {
            f.ToTable("attachment_files");
            f.HasKey(x => x.Sha256);
            f.Property(x => x.Sha256).HasMaxLength(64);
            f.Property(x => x.MediaType).HasMaxLength(100);
            f.Property(x => x.Kind).HasMaxLength(16);
            f.Property(x => x.PreviewType).HasMaxLength(32);
            f.Property(x => x.PageEnds).HasConversion(
                ends => ends == null ? null : JsonSerializer.Serialize(ends, (JsonSerializerOptions?)null),
                json => json == null ? null : JsonSerializer.Deserialize<int[]>(json, (JsonSerializerOptions?)null),
                new ValueComparer<int[]?>((a, b) => a == null ? b == null : b != null && a.SequenceEqual(b),
                    a => a == null ? 0 : a.Length, a => a == null ? null : a.ToArray()));
            f.Ignore(x => x.NoText);
        });
        model.Entity<Attachment>(a =>
        {
            a.ToTable("attachments");
            a.Property(x => x.Id).HasMaxLength(64);
            a.Property(x => x.OwnerId).HasMaxLength(64);
            a.Property(x => x.Name).HasMaxLength(255);
            a.Property(x => x.Sha256).HasMaxLength(64);
            a.HasOne<AttachmentFile>().WithMany().HasForeignKey(x => x.Sha256).OnDelete(DeleteBehavior.Restrict);
            a.HasIndex(x => new { x.OwnerId, x.CreatedAt });
        });
        model.Entity<MessageAttachment>(m =>
        {
            m.ToTable("message_attachments");
            m.HasKey(x => new { x.MessageId, x.AttachmentId });
            m.Property(x => x.MessageId).HasMaxLength(64);
            m.Property(x => x.AttachmentId).HasMaxLength(64);
            m.HasOne<Message>().WithMany().HasForeignKey(x => x.MessageId).OnDelete(DeleteBehavior.Cascade);
            m.HasOne<Attachment>().WithMany().HasForeignKey(x => x.AttachmentId).OnDelete(DeleteBehavior.Restrict);
            m.HasIndex(x => x.AttachmentId);
        });
    }
}
