using System.IO.Compression;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <summary>
/// EXTENSION POINT for data kept beside a conversation's messages, such as attachment files: what « Mes données »
/// exports, what an import brings back, and what a deletion removes. Register an implementation with
/// <c>services.AddSingleton&lt;IConversationData, …&gt;()</c>; export, import and erasure call every one registered.
/// Part kinds (an attachment's metadata, a tool step) need nothing here: they travel inside the messages' parts.
/// </summary>
public interface IConversationData
{
    /// <summary>
    /// Writes this data of these conversations (one batch, all this person's) into the archive, under a folder of
    /// its own (attachments/…). Called once per batch of conversations while the archive streams out.
    /// </summary>
    Task ExportAsync(ThereseDb db, IReadOnlyList<string> conversationIds, ZipArchive archive, CancellationToken ct);

    /// <summary>
    /// Reads this data back from an imported archive, inside the import's transaction, for the conversations just
    /// added. <paramref name="ids"/> maps the ids in the file to the ids given here (they differ when the file's were taken).
    /// </summary>
    Task ImportAsync(ThereseDb db, ZipArchive archive, IReadOnlyDictionary<string, string> ids, string? ownerId, CancellationToken ct);

    /// <summary>
    /// Deletes this data of these conversations, inside the erasure's transaction, before their messages go: what
    /// no other conversation still uses.
    /// </summary>
    Task DeleteAsync(ThereseDb db, IReadOnlyList<string> conversationIds, CancellationToken ct);

    /// <summary>
    /// Deletes what this data keeps for a person outside any conversation (files uploaded and never sent), once all their
    /// conversations are gone: deleting an account, or « toutes mes données ».
    /// </summary>
    Task DeleteOwnerAsync(ThereseDb db, string? ownerId, CancellationToken ct) => Task.CompletedTask;
}
