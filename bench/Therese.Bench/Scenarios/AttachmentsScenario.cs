using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.Extensions.DependencyInjection;
using Therese.Bench.Report;
using Therese.Server.Attachments.Reading;
using Therese.Testing;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Therese.Bench.Scenarios;

/// <param name="PdfRead">Reading a 100-page PDF in the reader process, start of the process to its answer.</param>
/// <param name="PdfPeakMb">The reader's peak working set (VmHWM) for it, largest of the runs.</param>
/// <param name="XlsxRead">The same for an Excel workbook of <paramref name="XlsxMb"/> MB.</param>
/// <param name="Plain">First token of a new conversation, no file; <paramref name="WithPdf"/> the same with one PDF attached.</param>
public sealed record AttachmentsResult(int Runs, int PdfPages, double PdfMb, Distribution PdfRead, double PdfPeakMb, int PdfChars,
    double XlsxMb, Distribution XlsxRead, double XlsxPeakMb, int XlsxChars, int Pairs, int AttachedPages, Distribution Plain, Distribution WithPdf,
    Distribution PlainLeg, Distribution WithPdfLeg);

/// <summary>Section 16: reading attached files (time, peak memory), and what one attached PDF adds to the first token.</summary>
public static class AttachmentsScenario
{
    private const string Directive = """{"tokens":5,"tps":0,"ttft_ms":0}""";

    public static async Task<AttachmentsResult> RunAsync(BenchContext ctx)
    {
        int runs = ctx.Options.Quick ? 2 : 5, pairs = ctx.Options.Quick ? 5 : 30;
        ctx.Progress($"16. attachments: a 100-page PDF and a 5 MB XLSX read {runs} times each, then {pairs} pairs of first tokens with and without a PDF");
        var reader = ctx.Host.Services.GetRequiredService<ReaderProcess>();
        var pdf = Pdf(100, linesPerPage: 40);
        var xlsx = Xlsx(5_000_000);

        var pdfTimes = new List<double>(); var xlsxTimes = new List<double>();
        long pdfPeak = 0, xlsxPeak = 0;
        int pdfChars = 0, xlsxChars = 0;
        for (var i = 0; i < runs; i++)
        {
            var (p, pc) = await reader.ReadMeasuredAsync(pdf, CancellationToken.None);
            pdfTimes.Add(pc.Elapsed.TotalMilliseconds);
            pdfPeak = Math.Max(pdfPeak, pc.PeakMemoryBytes);
            pdfChars = p.Text.Length;
            var (x, xc) = await reader.ReadMeasuredAsync(xlsx, CancellationToken.None);
            xlsxTimes.Add(xc.Elapsed.TotalMilliseconds);
            xlsxPeak = Math.Max(xlsxPeak, xc.PeakMemoryBytes);
            xlsxChars = x.Text.Length;
        }

        // One attached PDF (10 pages, sent to Claude as a document) against none, alternating, new conversations.
        const int attachedPages = 10;
        var attachment = await UploadAsync(ctx, Pdf(attachedPages, linesPerPage: 30));
        var plain = new List<double>(); var withPdf = new List<double>(); var plainLeg = new List<double>(); var withPdfLeg = new List<double>();
        for (var i = 0; i < pairs + 3; i++)
            foreach (var attach in new[] { false, true })
            {
                ctx.Fake.ClearLog();
                await using var s = await ChatStreamReader.OpenAsync(ctx.Http, attach
                    ? new { content = BenchContext.Message(Directive), attachments = new[] { attachment } }
                    : (object)new { content = BenchContext.Message(Directive) });
                var d = await s.NextOfTypeAsync("delta");
                await s.ReadToEndAsync();
                if (i < 3) continue;
                (attach ? withPdf : plain).Add(s.MsTo(d));
                // THÉRÈSE's own part: from the client's POST to the provider holding the request (files read, encoded, sent).
                (attach ? withPdfLeg : plainLeg).Add((ctx.Fake.Requests.Single().ReceivedAt - s.SentAt).TotalMilliseconds);
            }
        return new AttachmentsResult(runs, 100, Mb(pdf.Length), Distribution.Of(pdfTimes), Mb(pdfPeak), pdfChars,
            Mb(xlsx.Length), Distribution.Of(xlsxTimes), Mb(xlsxPeak), xlsxChars, pairs, attachedPages, Distribution.Of(plain), Distribution.Of(withPdf),
            Distribution.Of(plainLeg), Distribution.Of(withPdfLeg));
    }

    private static double Mb(long bytes) => Math.Round(bytes / 1_000_000.0, 1);

    private static async Task<string> UploadAsync(BenchContext ctx, byte[] bytes)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "devis.pdf" } };
        using var response = await ctx.Http.PostAsync("/api/attachments", form);
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A text PDF made with PdfPig's builder: <paramref name="linesPerPage"/> lines of French prose a page.</summary>
    public static byte[] Pdf(int pages, int linesPerPage)
    {
        using var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var n = 1; n <= pages; n++)
        {
            var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
            for (var line = 0; line < linesPerPage; line++)
                page.AddText($"Page {n}, ligne {line} : le conseil municipal approuve le budget de la salle des fetes.", 9, new PdfPoint(30, 800 - 19 * line), font);
        }
        return builder.Build();
    }

    /// <summary>An Excel workbook of at least <paramref name="bytes"/> bytes: rows of a sales ledger (text, numbers), written as a stream.</summary>
    public static byte[] Xlsx(long bytes)
    {
        var random = new Random(11);
        string[] clients = ["Mairie de Saint-Martin", "Association Les Amis du Lavoir", "Boulangerie Durand", "Comité des fêtes", "École Jules-Ferry"];
        var rows = 20_000;
        while (true)
        {
            using var stream = new MemoryStream();
            using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
            {
                var workbook = document.AddWorkbookPart();
                workbook.Workbook = new Workbook();
                var sheet = workbook.AddNewPart<WorksheetPart>();
                using (var writer = OpenXmlWriter.Create(sheet))
                {
                    writer.WriteStartElement(new Worksheet());
                    writer.WriteStartElement(new SheetData());
                    for (var r = 0; r < rows; r++)
                    {
                        writer.WriteStartElement(new Row());
                        writer.WriteElement(new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new Text($"{clients[random.Next(clients.Length)]} n°{random.Next(100_000)}")) });
                        for (var c = 0; c < 6; c++) writer.WriteElement(new Cell { CellValue = new CellValue(Math.Round(random.NextDouble() * 10_000, 2)) });
                        writer.WriteEndElement();
                    }
                    writer.WriteEndElement();
                    writer.WriteEndElement();
                }
                workbook.Workbook.AppendChild(new Sheets(new Sheet { Id = workbook.GetIdOfPart(sheet), SheetId = 1, Name = "Ventes" }));
            }
            if (stream.Length >= bytes) return stream.ToArray();
            rows = (int)(rows * (bytes * 1.05 / stream.Length));
        }
    }

    public static void Write(Md md, AttachmentsResult r)
    {
        md.Line("## 16. Attachments");
        md.Line();
        md.Line($"Reading happens in a child process (THÉRÈSE's own program with `--therese-read-file`), from its start to its answer, {r.Runs} runs each.");
        md.Line($"A {r.PdfPages}-page text PDF of {r.PdfMb} MB (PdfPig's builder) gave {r.PdfChars:N0} characters; an Excel workbook of {r.XlsxMb} MB (one sheet,");
        md.Line($"Open XML SDK) gave {r.XlsxChars:N0}. Peak memory is the reader's own peak working set (VmHWM), the largest of the runs.");
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.PdfRead.Row($"{r.PdfPages}-page PDF read (peak {r.PdfPeakMb:0} MB)"));
        md.Line(r.XlsxRead.Row($"{r.XlsxMb} MB XLSX read (peak {r.XlsxPeakMb:0} MB)"));
        md.Line();
        md.Line($"First token of a new conversation, {r.Pairs} alternating pairs after 3 warm-up pairs: no file, then one {r.AttachedPages}-page PDF uploaded");
        md.Line("beforehand (sent to Claude as a document: read from the database and encoded in base64 on each turn).");
        md.Line();
        md.Line(Distribution.Header);
        md.Line(r.PlainLeg.Row("no file: client POST → fake received"));
        md.Line(r.WithPdfLeg.Row($"one {r.AttachedPages}-page PDF: client POST → fake received"));
        md.Line(r.Plain.Row("no file: first `delta`"));
        md.Line(r.WithPdf.Row($"one {r.AttachedPages}-page PDF: first `delta`"));
        md.Line();
        md.Line($"One attached PDF adds {Distribution.Ms(r.WithPdf.P50 - r.Plain.P50)} ms to the first token (p50), of which THÉRÈSE's side (reading the");
        md.Line($"file's rows, encoding, sending) is {Distribution.Ms(r.WithPdfLeg.P50 - r.PlainLeg.P50)} ms; the rest is the provider receiving and parsing the larger request.");
        md.Line();
    }
}
