namespace Therese.Server.Attachments.Reading;

/// <summary>What reading one file gave: its real type, its text or its image as models get it.</summary>
public sealed record FileReading
{
    public required string MediaType { get; init; }
    public required string Kind { get; init; }
    public int? Pages { get; init; }
    public string Text { get; init; } = "";
    public int[]? PageEnds { get; init; }
    public bool TextCut { get; init; }
    public bool Encrypted { get; init; }
    public byte[]? Preview { get; init; }
    public string? PreviewType { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
}

/// <summary>Why a file is refused: the HTTP status, a stable code and a French sentence for the person.</summary>
public sealed class ReadFailure(int status, string code, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Detail { get; } = detail;

    public const string UnsupportedType = "unsupported_type";
    public const string Unreadable = "unreadable_file";
    public const string TooLarge = "file_too_large";

    public static ReadFailure Unsupported(string detail) => new(StatusCodes.Status415UnsupportedMediaType, UnsupportedType, detail);
    public static ReadFailure Corrupt(string detail) => new(StatusCodes.Status422UnprocessableEntity, Unreadable, detail);

    public static readonly string Formats =
        "PDF, Word (.docx), Excel (.xlsx), OpenDocument (.odt, .ods), CSV, texte, Markdown, ou une image PNG, JPEG, WebP ou GIF";

    public static ReadFailure UnknownFormat() => Unsupported($"Ce type de fichier n’est pas pris en charge. THÉRÈSE lit : {Formats}.");
}

/// <summary>How far reading may go: beyond these, a file is refused (or its text stops).</summary>
public sealed record ReadingLimits
{
    /// <summary>Most characters of text kept from one document: far more than any model's context.</summary>
    public int MaxChars { get; init; } = 4_000_000;

    /// <summary>Zip-based formats (DOCX, XLSX, ODF): most entries, and most bytes once expanded (declared and actual).</summary>
    public int MaxZipEntries { get; init; } = 10_000;
    public long MaxExpandedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Most pixels an image may have once decoded (JPEG and WebP decode scaled down first).</summary>
    public long MaxDecodedPixels { get; init; } = 50_000_000;

    /// <summary>Longest side of an image as models receive it (Anthropic's advice: larger images are scaled down anyway).</summary>
    public int MaxImageSide { get; init; } = 1568;
}
