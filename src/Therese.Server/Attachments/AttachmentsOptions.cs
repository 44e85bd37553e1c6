using Therese.Server.Attachments.Reading;

namespace Therese.Server.Attachments;

/// <summary>The Therese:Attachments section. An invalid value stops THÉRÈSE at start.</summary>
public sealed class AttachmentsOptions
{
    public const string Section = "Therese:Attachments";

    /// <summary>Largest file, in bytes (beyond it: 413 <c>file_too_large</c>).</summary>
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Most files one message may carry.</summary>
    public int MaxPerMessage { get; set; } = 10;

    /// <summary>A file reader running longer is killed, and the file refused.</summary>
    public int ReadTimeoutSeconds { get; set; } = 10;

    /// <summary>A file reader using more memory (working set) is killed, and the file refused.</summary>
    public int ReaderMemoryMegabytes { get; set; } = 1024;

    /// <summary>
    /// The model's context, in tokens, when THÉRÈSE's guess is wrong (0: the guess: 200,000 for Claude, 128,000 for OpenAI's
    /// own service, 8,192 for any other OpenAI-compatible server, the loaded context for the local model).
    /// </summary>
    public int ContextTokens { get; set; }

    /// <summary>Files uploaded but never sent are forgotten after this many hours.</summary>
    public int UnsentHours { get; set; } = 24;

    public ReadingLimits Limits { get; set; } = new();

    public string? Invalid()
    {
        if (MaxBytes < 1024) return "Therese:Attachments:MaxBytes must be at least 1024.";
        if (MaxPerMessage < 1) return "Therese:Attachments:MaxPerMessage must be at least 1.";
        if (ReadTimeoutSeconds < 1) return "Therese:Attachments:ReadTimeoutSeconds must be at least 1.";
        if (ReaderMemoryMegabytes < 128) return "Therese:Attachments:ReaderMemoryMegabytes must be at least 128.";
        if (ContextTokens < 0) return "Therese:Attachments:ContextTokens cannot be negative.";
        if (UnsentHours < 1) return "Therese:Attachments:UnsentHours must be at least 1.";
        return null;
    }
}
