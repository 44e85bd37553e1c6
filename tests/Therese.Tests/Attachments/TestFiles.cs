using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using W = DocumentFormat.OpenXml.Wordprocessing;
using SkiaSharp;
using PageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Therese.Tests.Attachments;

/// <summary>
/// Every file the tests attach, made here with the libraries THÉRÈSE reads them with (PdfPig's builder, the Open XML SDK,
/// SkiaSharp) or byte by byte for the hostile ones: no binary fixture comes from elsewhere.
/// </summary>
public static class TestFiles
{
    /// <summary>A PDF whose page N says « Page N : {text} » (and « sentinelle-N », to find where a cut fell).</summary>
    public static byte[] Pdf(int pages, string text = "Devis de la mairie de Saint-Martin, total 1 250 euros.", int linesPerPage = 1)
    {
        using var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var n = 1; n <= pages; n++)
        {
            var page = builder.AddPage(PageSize.A4);
            page.AddText($"Page {n} : {text} sentinelle-{n}", 10, new PdfPoint(25, 800), font);
            for (var line = 1; line < linesPerPage; line++)
                page.AddText($"Ligne {line} de la page {n} : {text}", 8, new PdfPoint(25, 800 - 10 * line), font);
        }
        return builder.Build();
    }

    /// <summary>A « scanned » PDF: one page holding only a picture, no text.</summary>
    public static byte[] ScannedPdf()
    {
        using var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(PageSize.A4);
        page.AddPng(Png(400, 300), new PdfRectangle(50, 400, 450, 700));
        return builder.Build();
    }

    public static byte[] Docx(params string[] paragraphs)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new W.Document(new W.Body(paragraphs.Select(p => new W.Paragraph(new W.Run(new W.Text(p))))));
            main.Document.Body!.Append(new W.Table(
                new W.TableRow(new W.TableCell(new W.Paragraph(new W.Run(new W.Text("Article")))),
                               new W.TableCell(new W.Paragraph(new W.Run(new W.Text("Prix")))))));
        }
        return stream.ToArray();
    }

    /// <summary>An Excel workbook: sheet « Ventes » with these rows (strings as shared strings, numbers as numbers).</summary>
    public static byte[] Xlsx(IEnumerable<object[]> rows, string sheetName = "Ventes")
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var strings = workbook.AddNewPart<SharedStringTablePart>();
            strings.SharedStringTable = new SharedStringTable();
            var index = new Dictionary<string, int>();
            var sheetPart = workbook.AddNewPart<WorksheetPart>();
            using (var writer = OpenXmlWriter.Create(sheetPart))
            {
                writer.WriteStartElement(new Worksheet());
                writer.WriteStartElement(new SheetData());
                foreach (var row in rows)
                {
                    writer.WriteStartElement(new Row());
                    foreach (var value in row)
                    {
                        if (value is string s)
                        {
                            if (!index.TryGetValue(s, out var i))
                            {
                                index[s] = i = index.Count;
                                strings.SharedStringTable.AppendChild(new SharedStringItem(new DocumentFormat.OpenXml.Spreadsheet.Text(s)));
                            }
                            writer.WriteElement(new Cell { DataType = CellValues.SharedString, CellValue = new CellValue(i) });
                        }
                        else
                        {
                            writer.WriteElement(new Cell { CellValue = new CellValue(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)) });
                        }
                    }
                    writer.WriteEndElement();
                }
                writer.WriteEndElement();
                writer.WriteEndElement();
            }
            workbook.Workbook.AppendChild(new Sheets(new Sheet { Id = workbook.GetIdOfPart(sheetPart), SheetId = 1, Name = sheetName }));
        }
        return stream.ToArray();
    }

    /// <summary>An OpenDocument file as LibreOffice writes one: « mimetype » first and stored, then content.xml.</summary>
    public static byte[] OpenDocument(string mediaType, string body)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var w = new StreamWriter(zip.CreateEntry("mimetype", CompressionLevel.NoCompression).Open())) w.Write(mediaType);
            using (var w = new StreamWriter(zip.CreateEntry("content.xml").Open()))
                w.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" " +
                    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\">" +
                    $"<office:body>{body}</office:body></office:document-content>");
        }
        return stream.ToArray();
    }

    public static byte[] Odt(params string[] paragraphs) =>
        OpenDocument("application/vnd.oasis.opendocument.text", "<office:text>" + string.Concat(paragraphs.Select(p => $"<text:p>{p}</text:p>")) + "</office:text>");

    public static byte[] Ods(string sheet, params string[][] rows) =>
        OpenDocument("application/vnd.oasis.opendocument.spreadsheet", $"<office:spreadsheet><table:table table:name=\"{sheet}\">" +
            string.Concat(rows.Select(r => "<table:table-row>" + string.Concat(r.Select(c => $"<table:table-cell><text:p>{c}</text:p></table:table-cell>")) +
                "<table:table-cell table:number-columns-repeated=\"1000000\"/></table:table-row>")) + "</table:table></office:spreadsheet>");

    /// <summary>A picture: a gradient with a red square, so that resizing shows.</summary>
    public static byte[] Png(int width, int height, bool transparent = false) => Image(width, height, SKEncodedImageFormat.Png, transparent);

    public static byte[] Jpeg(int width, int height) => Image(width, height, SKEncodedImageFormat.Jpeg, false);

    private static byte[] Image(int width, int height, SKEncodedImageFormat format, bool transparent)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(transparent ? SKColors.Transparent : SKColors.White);
            using var paint = new SKPaint { Color = SKColors.Red };
            canvas.DrawRect(width / 4f, height / 4f, width / 2f, height / 2f, paint);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>The size of an encoded image, read back with SkiaSharp.</summary>
    public static (int Width, int Height) SizeOf(byte[] image)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(image));
        return (codec.Info.Width, codec.Info.Height);
    }

    // The hostile ten.

    public static byte[] TruncatedPdf()
    {
        var pdf = Pdf(3);
        return pdf[..(pdf.Length / 2)];
    }

    /// <summary>A PDF encrypted with a password THÉRÈSE does not have (the standard handler, revision 2, its /U not the empty password's).</summary>
    public static byte[] EncryptedPdf()
    {
        var random = new Random(7);
        string Hex(int n)
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return Convert.ToHexString(bytes);
        }
        var objects = new[]
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            $"<< /Filter /Standard /V 1 /R 2 /O <{Hex(32)}> /U <{Hex(32)}> /P -44 >>",
        };
        return HandWritten(objects, $"/Root 1 0 R /Encrypt 4 0 R /ID [<{Hex(16)}> <{Hex(16)}>]", prevSelf: false);
    }

    /// <summary>A PDF whose cross-reference table names itself as its previous one: a reader that follows /Prev loops.</summary>
    public static byte[] CyclicXrefPdf() => HandWritten(
        ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"],
        "/Root 1 0 R", prevSelf: true);

    private static byte[] HandWritten(string[] objects, string trailer, bool prevSelf)
    {
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets) pdf.Append($"{offset:D10} 00000 n \n");
        pdf.Append($"trailer\n<< /Size {objects.Length + 1} {trailer}{(prevSelf ? $" /Prev {xref}" : "")} >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    /// <summary>A zip bomb: an XLSX-shaped zip of 40 parts of 10 MB of zeros each, 400 MB in all from a file under 1 MB.</summary>
    public static byte[] ZipBomb() => OfficeZip("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        Enumerable.Range(1, 40).Select(i => ($"xl/worksheets/sheet{i}.xml", 10)));

    /// <summary>A DOCX-shaped zip whose document part expands to <paramref name="megabytes"/> MB of zeros (sizes declared truthfully).</summary>
    public static byte[] DocxWithHugePart(int megabytes) => OfficeZip("/word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", [("word/document.xml", megabytes)]);

    private static byte[] OfficeZip(string mainPart, string mainType, IEnumerable<(string Name, int Megabytes)> parts)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var w = new StreamWriter(zip.CreateEntry("[Content_Types].xml").Open()))
                w.Write("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
                    $"<Override PartName=\"{mainPart}\" ContentType=\"{mainType}\"/></Types>");
            using (var w = new StreamWriter(zip.CreateEntry("_rels/.rels").Open()))
                w.Write("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
                    $"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"{mainPart.TrimStart('/')}\"/></Relationships>");
            var zeros = new byte[1024 * 1024];
            foreach (var (name, megabytes) in parts)
            {
                using var part = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                for (var i = 0; i < megabytes; i++) part.Write(zeros);
            }
        }
        return stream.ToArray();
    }

    /// <summary>A zip of 20,000 tiny entries: too many to be a document.</summary>
    public static byte[] ManyEntries()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var w = new StreamWriter(zip.CreateEntry("[Content_Types].xml").Open()))
                w.Write("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
                    "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>");
            var zeros = new byte[1024];
            for (var i = 0; i < 20_000; i++)
                using (var entry = zip.CreateEntry($"xl/worksheets/sheet{i}.xml", CompressionLevel.SmallestSize).Open()) entry.Write(zeros);
        }
        return stream.ToArray();
    }

    /// <summary>A PNG that is also a zip (the zip's directory at its end, where zip readers look).</summary>
    public static byte[] Polyglot()
    {
        using var zipped = new MemoryStream();
        using (var zip = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
        using (var w = new StreamWriter(zip.CreateEntry("payload.js").Open())) w.Write("alert(document.cookie)");
        return [.. Png(64, 64), .. zipped.ToArray()];
    }

    /// <summary>A Windows program (its MZ header and PE signature), as a file named « rapport.pdf » would hide it.</summary>
    public static byte[] Executable()
    {
        var exe = new byte[4096];
        exe[0] = (byte)'M';
        exe[1] = (byte)'Z';
        BinaryPrimitives.WriteInt32LittleEndian(exe.AsSpan(0x3C), 0x80);
        "PE\0\0"u8.CopyTo(exe.AsSpan(0x80));
        return exe;
    }

    public static byte[] SvgWithScript() => Encoding.UTF8.GetBytes(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>fetch('/api/settings').then(r => r.text()).then(alert)</script>" +
        "<rect width=\"10\" height=\"10\"/></svg>");

    /// <summary>A PNG whose header claims 50,000 × 50,000 pixels (10 GB once decoded), with one tiny compressed row.</summary>
    public static byte[] HugePngHeader()
    {
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, 50_000);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 50_000);
        header[8] = 8;
        header[9] = 6;
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true)) z.Write(new byte[1 + 50_000 * 4]);
            Chunk(png, "IDAT", compressed.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
