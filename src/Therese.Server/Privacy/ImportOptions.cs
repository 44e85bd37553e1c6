namespace Therese.Server.Privacy;

/// <summary>Therese:Import: how large a file <c>POST /api/import</c> takes, and what it may hold.</summary>
public sealed class ImportOptions
{
    public const string Section = "Therese:Import";

    /// <summary>The uploaded file (a ChatGPT export of several years runs to a few hundred megabytes).</summary>
    public long MaxFileBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Entries in a zip, and the bytes they unpack to in all: a zip bomb stops here.</summary>
    public int MaxZipEntries { get; set; } = 500_000;
    public long MaxUnpackedBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    public int MaxConversations { get; set; } = 100_000;
    public int MaxMessagesPerConversation { get; set; } = 100_000;

    /// <summary>One message's text, in characters.</summary>
    public int MaxMessageLength { get; set; } = 2_000_000;

    public string? Validate() =>
        MaxFileBytes < 1024 || MaxZipEntries < 1 || MaxUnpackedBytes < 1024 || MaxConversations < 1 || MaxMessagesPerConversation < 1 || MaxMessageLength < 1
            ? "Therese:Import limits must be positive (MaxFileBytes and MaxUnpackedBytes at least 1024)." : null;
}
