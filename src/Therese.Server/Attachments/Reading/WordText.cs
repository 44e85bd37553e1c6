using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Therese.Server.Attachments.Reading;

/// <summary>A Word document's text: paragraphs in order, tables row by row (cells separated by tabs).</summary>
public static class WordText
{
    public static FileReading Read(byte[] bytes, ReadingLimits limits)
    {
        using var document = Office.Open(bytes, limits, stream => WordprocessingDocument.Open(stream, false, Office.Settings(limits)));
        var body = document.MainDocumentPart?.Document?.Body
            ?? throw ReadFailure.Corrupt("Ce document Word est endommagé : il n’a pas de contenu.");
        var text = new TextOutput(limits.MaxChars);
        foreach (var block in body.ChildElements)
        {
            if (text.Full) break;
            Block(block, text);
        }
        return new FileReading { MediaType = MediaTypes.Docx, Kind = AttachmentKinds.Document, Text = text.ToString(), TextCut = text.Full };
    }

    private static void Block(OpenXmlElement block, TextOutput text)
    {
        switch (block)
        {
            case Paragraph paragraph:
                text.Line(ParagraphText(paragraph));
                break;
            case Table table:
                foreach (var row in table.Elements<TableRow>())
                    text.Line(string.Join('\t', row.Elements<TableCell>().Select(c => string.Join(' ', c.Elements<Paragraph>().Select(ParagraphText)))));
                text.Line("");
                break;
            case SdtBlock sdt when sdt.SdtContentBlock is { } content:
                foreach (var inner in content.ChildElements) Block(inner, text);
                break;
        }
    }

    private static string ParagraphText(Paragraph paragraph)
    {
        var line = new StringBuilder();
        foreach (var node in paragraph.Descendants())
        {
            switch (node)
            {
                case Text t:
                    line.Append(t.Text);
                    break;
                case TabChar:
                    line.Append('\t');
                    break;
                case Break or CarriageReturn:
                    line.Append('\n');
                    break;
            }
        }
        return line.ToString();
    }
}

/// <summary>Opening Office files safely: the zip is checked (entries, sizes declared and real) before the SDK reads it.</summary>
public static class Office
{
    public static OpenSettings Settings(ReadingLimits limits) => new()
    {
        // No XML part may hold more characters than the zip may expand to.
        MaxCharactersInPart = limits.MaxExpandedBytes,
        AutoSave = false,
    };

    public static T Open<T>(byte[] bytes, ReadingLimits limits, Func<Stream, T> open)
    {
        using (var zip = ZipGuard.Open(bytes, limits)) ZipGuard.CheckExpansion(zip, limits);
        try
        {
            return open(new MemoryStream(bytes, writable: false));
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or System.Xml.XmlException or IOException or InvalidOperationException)
        {
            throw ReadFailure.Corrupt("Ce document Office est endommagé : THÉRÈSE n’a pas pu le lire.");
        }
    }
}

/// <summary>Text built line by line, stopping at a number of characters.</summary>
public sealed class TextOutput(int maxChars)
{
    private readonly StringBuilder _text = new();

    public bool Full { get; private set; }

    public void Line(string line)
    {
        if (Full) return;
        if (_text.Length + line.Length + 1 > maxChars)
        {
            _text.Append(line.AsSpan(0, Math.Max(0, maxChars - _text.Length)));
            Full = true;
            return;
        }
        _text.Append(line).Append('\n');
    }

    public override string ToString() => _text.ToString().TrimEnd();
}
