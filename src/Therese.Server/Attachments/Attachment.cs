namespace Therese.Server.Attachments;

/// <summary>
/// A file someone attached: their name for it, and whose it is. The bytes live once per content in
/// <see cref="AttachmentFile"/>, so the same file attached twice (or by two people) is stored once.
/// </summary>
public sealed class Attachment
{
    public required string Id { get; init; }

    /// <summary>Team mode: the person who sent it; null in personal mode.</summary>
    public string? OwnerId { get; init; }

    /// <summary>The file's name as the browser gave it: display text only, never a path.</summary>
    public required string Name { get; init; }

    public required string Sha256 { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The bytes of a file, stored once by their SHA-256, and what THÉRÈSE read of them.</summary>
public sealed class AttachmentFile
{
    /// <summary>Lower-case hex SHA-256 of <see cref="Content"/>.</summary>
    public required string Sha256 { get; init; }
    public required byte[] Content { get; init; }
    public long Size { get; init; }

    /// <summary>From the bytes themselves (magic numbers, the zip's manifest), never from a name or a browser.</summary>
    public required string MediaType { get; init; }

    /// <summary><see cref="AttachmentKinds.Document"/> or <see cref="AttachmentKinds.Image"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>A PDF's page count.</summary>
    public int? Pages { get; init; }

    /// <summary>The document's text (empty for an image, or a scanned PDF).</summary>
    public string Text { get; init; } = "";

    /// <summary>A PDF: where each page's text ends in <see cref="Text"/>, so that a cut can say at which page.</summary>
    public int[]? PageEnds { get; init; }

    /// <summary>The reading stopped before the end of a huge document (more text than any model reads).</summary>
    public bool TextCut { get; init; }

    /// <summary>A PDF protected by an owner password (readable, but Claude refuses it as a document).</summary>
    public bool Encrypted { get; init; }

    /// <summary>An image as models receive it: no side over 1,568 px, PNG or JPEG (WebP kept as it is).</summary>
    public byte[]? Preview { get; init; }
    public string? PreviewType { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>A document with no readable text at all: a scanned PDF, most likely.</summary>
    public bool NoText => Kind == AttachmentKinds.Document && string.IsNullOrWhiteSpace(Text);
}

/// <summary>Which messages carry which attachments: what deleting a conversation frees.</summary>
public sealed class MessageAttachment
{
    public required string MessageId { get; init; }
    public required string AttachmentId { get; init; }
    /// <summary>Its place among the message's attachments.</summary>
    public int Position { get; init; }
}

public static class AttachmentKinds
{
    public const string Document = "document";
    public const string Image = "image";
}

public static class MediaTypes
{
    public const string Pdf = "application/pdf";
    public const string Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    public const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public const string Odt = "application/vnd.oasis.opendocument.text";
    public const string Ods = "application/vnd.oasis.opendocument.spreadsheet";
    public const string Csv = "text/csv";
    public const string Text = "text/plain";
    public const string Markdown = "text/markdown";
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Webp = "image/webp";
    public const string Gif = "image/gif";

    /// <summary>What a person calls the format, in the notices the model and the page read.</summary>
    public static string Label(string mediaType) => mediaType switch
    {
        Pdf => "PDF",
        Docx => "Word",
        Xlsx => "Excel",
        Odt => "OpenDocument texte",
        Ods => "OpenDocument tableur",
        Csv => "CSV",
        Markdown => "Markdown",
        Text => "texte",
        _ => mediaType,
    };
}
