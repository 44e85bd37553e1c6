using System.Text;
using System.Xml;

namespace Therese.Server.Attachments.Reading;

/// <summary>
/// OpenDocument text and spreadsheets (LibreOffice): no maintained .NET library reads them, and their text is all in
/// <c>content.xml</c>, read here as a stream with a hostile-XML-safe reader.
/// </summary>
public static class OpenDocumentText
{
    private const string TextNs = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
    private const string TableNs = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";

    public static FileReading Read(byte[] bytes, string mediaType, ReadingLimits limits)
    {
        using var zip = ZipGuard.Open(bytes, limits);
        ZipGuard.CheckExpansion(zip, limits);
        var content = zip.GetEntry("content.xml") ?? throw ReadFailure.Corrupt("Ce document OpenDocument est endommagé : il n’a pas de contenu.");
        var text = new TextOutput(limits.MaxChars);
        try
        {
            using var reader = XmlReader.Create(content.Open(), SafeXml.Settings);
            Walk(reader, text);
        }
        catch (Exception ex) when (ex is XmlException or InvalidDataException)
        {
            throw ReadFailure.Corrupt("Ce document OpenDocument est endommagé : THÉRÈSE n’a pas pu le lire.");
        }
        return new FileReading { MediaType = mediaType, Kind = AttachmentKinds.Document, Text = text.ToString(), TextCut = text.Full };
    }

    private static void Walk(XmlReader reader, TextOutput text)
    {
        var line = new StringBuilder();
        var cells = new List<string>();
        var inCell = false;
        var paragraphDepth = 0;
        while (reader.Read() && !text.Full)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                switch (reader.NamespaceURI, reader.LocalName)
                {
                    case (TableNs, "table"):
                        text.Line($"## Feuille « {reader.GetAttribute("name", TableNs)} »");
                        break;
                    case (TableNs, "table-row"):
                        cells.Clear();
                        break;
                    case (TableNs, "table-cell") or (TableNs, "covered-table-cell"):
                        // An empty cell repeated a million times (what LibreOffice writes to the end of a sheet) stays one.
                        var repeat = int.TryParse(reader.GetAttribute("number-columns-repeated", TableNs), out var r) ? Math.Clamp(r, 1, 100) : 1;
                        if (reader.IsEmptyElement)
                            for (var i = 0; i < repeat; i++) cells.Add("");
                        else
                        {
                            inCell = true;
                            line.Clear();
                        }
                        break;
                    case (TextNs, "p") or (TextNs, "h"):
                        if (!inCell && paragraphDepth == 0) line.Clear();
                        else if (inCell && line.Length > 0) line.Append(' ');
                        if (!reader.IsEmptyElement) paragraphDepth++;
                        else if (!inCell) text.Line("");
                        break;
                    case (TextNs, "s"):
                        line.Append(' ', int.TryParse(reader.GetAttribute("c", TextNs), out var spaces) ? Math.Clamp(spaces, 1, 100) : 1);
                        break;
                    case (TextNs, "tab"):
                        line.Append('\t');
                        break;
                    case (TextNs, "line-break"):
                        line.Append('\n');
                        break;
                }
            }
            else if (reader.NodeType is XmlNodeType.Text or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace && paragraphDepth > 0)
            {
                line.Append(reader.Value);
            }
            else if (reader.NodeType == XmlNodeType.EndElement)
            {
                switch (reader.NamespaceURI, reader.LocalName)
                {
                    case (TextNs, "p") or (TextNs, "h"):
                        paragraphDepth = Math.Max(0, paragraphDepth - 1);
                        if (!inCell && paragraphDepth == 0) text.Line(line.ToString());
                        break;
                    case (TableNs, "table-cell") or (TableNs, "covered-table-cell"):
                        cells.Add(line.ToString());
                        line.Clear();
                        inCell = false;
                        break;
                    case (TableNs, "table-row"):
                        while (cells.Count > 0 && cells[^1].Length == 0) cells.RemoveAt(cells.Count - 1);
                        if (cells.Count > 0) text.Line(string.Join('\t', cells));
                        break;
                    case (TableNs, "table"):
                        text.Line("");
                        break;
                }
            }
        }
    }
}
