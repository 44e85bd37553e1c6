using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Therese.Server.Attachments.Reading;

/// <summary>
/// An Excel workbook's text: each sheet under its name, one line per row, cells separated by tabs in their columns,
/// dates as dates. Sheets are read as a stream of XML (OpenXmlReader), not loaded whole.
/// </summary>
public static class SheetText
{
    public static FileReading Read(byte[] bytes, ReadingLimits limits)
    {
        using var document = Office.Open(bytes, limits, stream => SpreadsheetDocument.Open(stream, false, Office.Settings(limits)));
        var workbook = document.WorkbookPart ?? throw ReadFailure.Corrupt("Ce classeur Excel est endommagé : il n’a pas de feuille.");
        var strings = workbook.SharedStringTablePart?.SharedStringTable?.Elements<SharedStringItem>().Select(i => i.InnerText).ToArray() ?? [];
        var dateStyles = DateStyles(workbook);
        var text = new TextOutput(limits.MaxChars);
        foreach (var sheet in workbook.Workbook?.Sheets?.Elements<Sheet>() ?? [])
        {
            if (text.Full) break;
            if (sheet.Id?.Value is not { } relation || workbook.GetPartById(relation) is not WorksheetPart part) continue;
            text.Line($"## Feuille « {sheet.Name?.Value} »");
            Rows(part, strings, dateStyles, text);
            text.Line("");
        }
        return new FileReading { MediaType = MediaTypes.Xlsx, Kind = AttachmentKinds.Document, Text = text.ToString(), TextCut = text.Full };
    }

    private static void Rows(WorksheetPart part, string[] strings, HashSet<uint> dateStyles, TextOutput text)
    {
        using var reader = OpenXmlReader.Create(part);
        var cells = new List<string>();
        while (reader.Read() && !text.Full)
        {
            if (reader.ElementType != typeof(Row) || !reader.IsStartElement) continue;
            var row = (Row)reader.LoadCurrentElement()!;
            cells.Clear();
            foreach (var cell in row.Elements<Cell>())
            {
                var column = ColumnOf(cell.CellReference?.Value) ?? cells.Count;
                // Columns far apart would make a line of tabs: a gap of more than 100 columns is closed up.
                while (cells.Count < column && column - cells.Count < 100) cells.Add("");
                cells.Add(Value(cell, strings, dateStyles));
            }
            while (cells.Count > 0 && cells[^1].Length == 0) cells.RemoveAt(cells.Count - 1);
            if (cells.Count > 0) text.Line(string.Join('\t', cells));
        }
    }

    private static string Value(Cell cell, string[] strings, HashSet<uint> dateStyles)
    {
        var raw = cell.CellValue?.Text;
        var type = cell.DataType?.Value;
        if (type == CellValues.SharedString)
            return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < strings.Length ? strings[i] : "";
        if (type == CellValues.InlineString) return cell.InlineString?.InnerText ?? "";
        if (type == CellValues.Boolean) return raw == "1" ? "VRAI" : "FAUX";
        if (raw is null) return "";
        if ((type is null || type == CellValues.Number) && cell.StyleIndex?.Value is { } style && dateStyles.Contains(style)
            && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var serial) && serial is > 0 and < 2_958_466)
        {
            var date = DateTime.FromOADate(serial);
            return date.TimeOfDay == TimeSpan.Zero ? date.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture) : date.ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture);
        }
        return raw;
    }

    /// <summary>The cell styles whose number format shows a date: the built-in date formats, and custom ones with days or years.</summary>
    private static HashSet<uint> DateStyles(WorkbookPart workbook)
    {
        var styles = new HashSet<uint>();
        var stylesheet = workbook.WorkbookStylesPart?.Stylesheet;
        if (stylesheet?.CellFormats is not { } formats) return styles;
        var custom = stylesheet.NumberingFormats?.Elements<NumberingFormat>()
            .Where(f => f.NumberFormatId?.Value is not null && f.FormatCode?.Value is { } code && IsDateFormat(code))
            .Select(f => f.NumberFormatId!.Value).ToHashSet() ?? [];
        uint index = 0;
        foreach (var format in formats.Elements<CellFormat>())
        {
            var id = format.NumberFormatId?.Value ?? 0;
            if (id is >= 14 and <= 22 or >= 45 and <= 47 || custom.Contains(id)) styles.Add(index);
            index++;
        }
        return styles;
    }

    private static bool IsDateFormat(string code)
    {
        // Text in quotes and colours in brackets are not parts of the date.
        var bare = System.Text.RegularExpressions.Regex.Replace(code, "\"[^\"]*\"|\\[[^\\]]*\\]", "");
        return bare.Contains("yy", StringComparison.OrdinalIgnoreCase) || bare.Contains("dd", StringComparison.OrdinalIgnoreCase)
            || bare.Contains("mmm", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Column index (0-based) of a reference such as "C12".</summary>
    private static int? ColumnOf(string? reference)
    {
        if (string.IsNullOrEmpty(reference)) return null;
        var column = 0;
        foreach (var c in reference)
        {
            if (c is < 'A' or > 'Z') break;
            column = column * 26 + (c - 'A' + 1);
            if (column > 16_384) return null;
        }
        return column == 0 ? null : column - 1;
    }
}
