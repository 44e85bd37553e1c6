using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Therese.Server.Attachments.Reading;

/// <summary>
/// A file's type from its bytes alone: magic numbers, and for zip-based formats the zip's own manifest
/// (<c>[Content_Types].xml</c> for Office, the <c>mimetype</c> entry for OpenDocument). Never from a name.
/// </summary>
public static class FileSniffer
{
    private static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> ZipMagic => [0x50, 0x4B, 0x03, 0x04];
    private static ReadOnlySpan<byte> ZipEnd => [0x50, 0x4B, 0x05, 0x06];
    private static ReadOnlySpan<byte> CompoundFileMagic => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    public static string Detect(byte[] bytes, ReadingLimits limits)
    {
        var span = bytes.AsSpan();
        string? type = null;
        if (span.StartsWith("%PDF-"u8)) type = MediaTypes.Pdf;
        else if (span.StartsWith(PngMagic)) type = MediaTypes.Png;
        else if (span.StartsWith(new byte[] { 0xFF, 0xD8, 0xFF })) type = MediaTypes.Jpeg;
        else if (span.StartsWith("GIF87a"u8) || span.StartsWith("GIF89a"u8)) type = MediaTypes.Gif;
        else if (span.Length >= 12 && span.StartsWith("RIFF"u8) && span[8..12].SequenceEqual("WEBP"u8)) type = MediaTypes.Webp;
        else if (span.StartsWith(ZipMagic)) return ZipType(bytes, limits);
        else if (span.StartsWith(CompoundFileMagic))
            throw ReadFailure.Unsupported("Les anciens formats Word et Excel (.doc, .xls) et les documents Office protégés par un mot de passe " +
                "ne sont pas pris en charge : enregistrez-le en .docx ou .xlsx, sans mot de passe.");
        else if (span.StartsWith("MZ"u8) || span.StartsWith(new byte[] { 0x7F, 0x45, 0x4C, 0x46 }) || span.StartsWith(new byte[] { 0xCF, 0xFA, 0xED, 0xFE }))
            throw ReadFailure.Unsupported("Ce fichier est un programme, pas un document : THÉRÈSE ne lit pas les programmes.");

        if (type is null) return TextType(bytes);
        if (IsPolyglot(span, type))
            throw ReadFailure.Unsupported("Ce fichier mêle plusieurs formats à la fois (un fichier « polyglotte ») : par prudence, THÉRÈSE ne le lit pas.");
        return type;
    }

    /// <summary>
    /// A PDF or an image that is also something else: a zip whose directory sits at its end (readers of zips look there),
    /// or a PDF hidden in the first kilobyte of an image (PDF readers accept a header anywhere there).
    /// </summary>
    private static bool IsPolyglot(ReadOnlySpan<byte> span, string type)
    {
        var tail = span[Math.Max(0, span.Length - (65_535 + 22))..];
        if (tail.IndexOf(ZipEnd) >= 0) return true;
        return type != MediaTypes.Pdf && span[..Math.Min(span.Length, 1024)].IndexOf("%PDF-"u8) >= 0;
    }

    private static string ZipType(byte[] bytes, ReadingLimits limits)
    {
        using var zip = ZipGuard.Open(bytes, limits);
        // OpenDocument: a first entry "mimetype", stored, holding the type.
        if (zip.GetEntry("mimetype") is { } mimetype)
        {
            var declared = ZipGuard.ReadText(mimetype, 200).Trim();
            return declared switch
            {
                MediaTypes.Odt => MediaTypes.Odt,
                MediaTypes.Ods => MediaTypes.Ods,
                _ => throw ReadFailure.UnknownFormat(),
            };
        }
        if (zip.GetEntry("[Content_Types].xml") is { } types && zip.GetEntry("_rels/.rels") is { } relations)
        {
            // Office: the package's relationships name the main part; the manifest gives its type.
            var main = MainPart(ZipGuard.ReadText(relations, 1024 * 1024));
            var type = main is null ? null : PartType(ZipGuard.ReadText(types, 1024 * 1024), main);
            return type switch
            {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml" => MediaTypes.Docx,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml" => MediaTypes.Xlsx,
                _ => throw ReadFailure.UnknownFormat(),
            };
        }
        throw ReadFailure.UnknownFormat();
    }

    private const string OfficeDocument = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";

    /// <summary>The main part's name (« /word/document.xml »), from the package's relationships.</summary>
    private static string? MainPart(string relationships)
    {
        foreach (var (name, attributes) in Elements(relationships))
            if (name == "Relationship" && attributes.GetValueOrDefault("Type") == OfficeDocument && attributes.GetValueOrDefault("Target") is { } target)
                return "/" + target.TrimStart('/');
        return null;
    }

    /// <summary>A part's content type in the manifest: its own Override, or the Default of its extension.</summary>
    private static string? PartType(string manifest, string part)
    {
        string? byExtension = null;
        var extension = Path.GetExtension(part).TrimStart('.');
        foreach (var (name, attributes) in Elements(manifest))
        {
            if (name == "Override" && string.Equals(attributes.GetValueOrDefault("PartName"), part, StringComparison.OrdinalIgnoreCase))
                return attributes.GetValueOrDefault("ContentType");
            if (name == "Default" && string.Equals(attributes.GetValueOrDefault("Extension"), extension, StringComparison.OrdinalIgnoreCase))
                byExtension = attributes.GetValueOrDefault("ContentType");
        }
        return byExtension;
    }

    private static IEnumerable<(string Name, Dictionary<string, string> Attributes)> Elements(string xml)
    {
        var found = new List<(string, Dictionary<string, string>)>();
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), SafeXml.Settings);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                var attributes = new Dictionary<string, string>();
                for (var i = 0; i < reader.AttributeCount; i++)
                {
                    reader.MoveToAttribute(i);
                    attributes[reader.LocalName] = reader.Value;
                }
                reader.MoveToElement();
                found.Add((reader.LocalName, attributes));
            }
        }
        catch (XmlException)
        {
            throw ReadFailure.Corrupt("Ce document Office est endommagé : sa liste de contenus est illisible.");
        }
        return found;
    }

    /// <summary>Text files: UTF-8 or UTF-16 (with its mark), or Windows-1252 (what French Excel writes its CSV in); no binary.</summary>
    private static string TextType(byte[] bytes)
    {
        if (PlainText.Decode(bytes) is not { } text) throw ReadFailure.UnknownFormat();
        // Markup a browser would run (SVG, HTML, XML with its own styles and scripts) is not a document THÉRÈSE reads.
        var start = text.TrimStart().AsSpan(0, Math.Min(text.TrimStart().Length, 256));
        if (start.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase) || start.StartsWith("<svg", StringComparison.OrdinalIgnoreCase)
            || start.StartsWith("<!doctype", StringComparison.OrdinalIgnoreCase) || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
            throw ReadFailure.Unsupported("Les images SVG, les pages HTML et les fichiers XML ne sont pas pris en charge. " +
                "Pour une image, envoyez-la en PNG ou en JPEG.");
        if (LooksLikeCsv(text)) return MediaTypes.Csv;
        if (LooksLikeMarkdown(text)) return MediaTypes.Markdown;
        return MediaTypes.Text;
    }

    /// <summary>Two lines or more, the same number (at least one) of one separator on each of the first lines.</summary>
    private static bool LooksLikeCsv(string text)
    {
        var lines = text.Split('\n', 21).Take(20).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count < 2) return false;
        foreach (var separator in new[] { ';', ',', '\t' })
        {
            var count = lines[0].Count(c => c == separator);
            if (count > 0 && lines.All(l => l.Count(c => c == separator) == count)) return true;
        }
        return false;
    }

    private static bool LooksLikeMarkdown(string text)
    {
        var head = text.Length > 20_000 ? text[..20_000] : text;
        var marks = 0;
        foreach (var raw in head.Split('\n'))
        {
            var line = raw.TrimStart();
            if (line.StartsWith("# ", StringComparison.Ordinal) || line.StartsWith("## ", StringComparison.Ordinal) || line.StartsWith("### ", StringComparison.Ordinal)
                || line.StartsWith("```", StringComparison.Ordinal) || line.StartsWith("- [", StringComparison.Ordinal) || line.StartsWith("|---", StringComparison.Ordinal))
                marks++;
        }
        return marks > 0 || head.Contains("](", StringComparison.Ordinal) && head.Contains("**", StringComparison.Ordinal);
    }
}

/// <summary>XML from a file is hostile: no DTD, no external entity, no resolver.</summary>
public static class SafeXml
{
    public static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = true,
    };
}
