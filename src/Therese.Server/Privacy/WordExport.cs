using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.TaskLists;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Therese.Server.Conversations;
using MdTable = Markdig.Extensions.Tables.Table;
using MdTableRow = Markdig.Extensions.Tables.TableRow;
using MdTableCell = Markdig.Extensions.Tables.TableCell;
using WTable = DocumentFormat.OpenXml.Wordprocessing.Table;
using WTableRow = DocumentFormat.OpenXml.Wordprocessing.TableRow;
using WTableCell = DocumentFormat.OpenXml.Wordprocessing.TableCell;

namespace Therese.Server.Privacy;

/// <summary>
/// A conversation as a Word document, built from each answer's Markdown syntax tree (Markdig) with the Open XML
/// SDK: headings, paragraphs, bold, italics, struck text, lists, code blocks in a monospace font that a page break
/// does not cut, quotes, and tables as real Word tables. Nothing is converted as text, and HTML written by a model
/// stays visible text.
/// </summary>
public sealed class WordExport
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables().UseEmphasisExtras().UseAutoLinks().UseTaskLists().Build();

    private const string Mono = "Consolas";
    private const int BulletList = 1;
    private const int NumberedList = 2;

    private readonly MainDocumentPart _main;
    private readonly Body _body;
    private readonly Numbering _numbering;
    private int _nextNumbering = 1;

    private WordExport(MainDocumentPart main)
    {
        _main = main;
        _body = main.Document.Body!;
        _numbering = main.NumberingDefinitionsPart!.Numbering;
    }

    public static void Write(Stream output, Conversation conversation, IEnumerable<Message> messages, DateTimeOffset now)
    {
        using var document = WordprocessingDocument.Create(output, WordprocessingDocumentType.Document);
        var main = document.AddMainDocumentPart();
        main.Document = new Document(new Body());
        main.AddNewPart<StyleDefinitionsPart>().Styles = Styles();
        main.AddNewPart<NumberingDefinitionsPart>().Numbering = new Numbering(
            ListDefinition(BulletList, NumberFormatValues.Bullet), ListDefinition(NumberedList, NumberFormatValues.Decimal));
        document.PackageProperties.Title = Clean(conversation.Title);
        document.PackageProperties.Creator = "THÉRÈSE";
        document.PackageProperties.Created = now.UtcDateTime;

        var word = new WordExport(main);
        word.Paragraph("Title", Run(conversation.Title));
        word.Paragraph("Subtitle", Run($"Conversation avec THÉRÈSE commencée le {FrenchDates.Long(conversation.CreatedAt)}, exportée le {FrenchDates.Long(now)}."));
        foreach (var message in MarkdownExport.Shown(messages))
        {
            word.Paragraph("Heading1", Run((message.Role == Roles.User ? "Vous" : "THÉRÈSE") + " — " + FrenchDates.Long(message.CreatedAt)));
            foreach (var part in message.AllParts())
            {
                if (part is AttachmentPart file) word.Paragraph(null, Run($"Pièce jointe : {file.Name}", italic: true));
                if (part is ToolPart tool) word.Paragraph(null, Run(MarkdownExport.ToolLine(tool), italic: true));
                if (part is not TextPart text) continue;
                // What a person typed is shown as typed; an answer is Markdown.
                if (message.Role == Roles.User) word.PlainText(text.Text);
                else word.Blocks(Markdown.Parse(text.Text, Pipeline), _ => { });
            }
            if (MarkdownExport.StatusNote(message) is { } note) word.Paragraph(null, Run(note, italic: true));
        }
        main.Document.Body!.Append(new SectionProperties(
            new PageSize { Width = 11906, Height = 16838 },
            new PageMargin { Top = 1134, Bottom = 1134, Left = 1134, Right = 1134, Header = 567, Footer = 567, Gutter = 0 }));
        main.Document.Save();
    }

    private void PlainText(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n')) Paragraph(null, Run(line));
    }

    /// <summary>Appends each block; <paramref name="paragraph"/> adjusts the paragraphs made (list level, quote).</summary>
    private void Blocks(ContainerBlock container, Action<ParagraphProperties> paragraph, OpenXmlElement? into = null)
    {
        foreach (var block in container) Block(block, paragraph, into);
    }

    private void Block(Block block, Action<ParagraphProperties> adjust, OpenXmlElement? into)
    {
        var target = into ?? _body;
        switch (block)
        {
            case HeadingBlock heading:
                // Message titles are Heading 1: an answer's own headings sit below them.
                target.Append(Paragraph($"Heading{Math.Min(heading.Level + 1, 6)}", adjust, Inlines(heading.Inline)));
                break;
            case ParagraphBlock p:
                target.Append(Paragraph(null, adjust, Inlines(p.Inline)));
                break;
            case FencedCodeBlock or CodeBlock:
                var lines = ((LeafBlock)block).Lines.ToString().Replace("\r\n", "\n").Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    // Each line keeps with the next: a page break falls before or after the block, not inside it.
                    var last = i == lines.Length - 1;
                    target.Append(Paragraph("Code", p =>
                    {
                        adjust(p);
                        if (!last) p.KeepNext = new KeepNext();
                        p.KeepLines = new KeepLines();
                    }, [Run(lines[i], mono: true)]));
                }
                break;
            case ListBlock list:
                var numbering = NewNumbering(list.IsOrdered ? NumberedList : BulletList, list.IsOrdered && int.TryParse(list.OrderedStart, out var start) ? start : 1);
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    Blocks(item, p =>
                    {
                        // Inside another list's item: one level deeper than it.
                        adjust(p);
                        var level = p.NumberingProperties?.NumberingLevelReference?.Val?.Value is { } outer ? Math.Min(outer + 1, 8) : 0;
                        p.NumberingProperties = new NumberingProperties(new NumberingLevelReference { Val = level }, new NumberingId { Val = numbering });
                    }, into);
                }
                break;
            case QuoteBlock quote:
                Blocks(quote, p =>
                {
                    adjust(p);
                    p.ParagraphStyleId ??= new ParagraphStyleId { Val = "Quote" };
                }, into);
                break;
            case MdTable table:
                target.Append(Table(table));
                break;
            case ThematicBreakBlock:
                target.Append(new Paragraph(new ParagraphProperties(new ParagraphBorders(
                    new BottomBorder { Val = BorderValues.Single, Size = 6, Color = "999999", Space = 1 }))));
                break;
            case HtmlBlock html:
                // A model's HTML is shown, never interpreted.
                foreach (var line in html.Lines.ToString().Split('\n')) target.Append(Paragraph(null, adjust, [Run(line.TrimEnd('\r'))]));
                break;
            case LinkReferenceDefinitionGroup or BlankLineBlock:
                break;
            case ContainerBlock other:
                Blocks(other, adjust, into);
                break;
            case LeafBlock leaf when leaf.Inline is not null:
                target.Append(Paragraph(null, adjust, Inlines(leaf.Inline)));
                break;
        }
    }

    private WTable Table(MdTable source)
    {
        var border = new Func<BorderType>[]
        {
            () => new TopBorder(), () => new LeftBorder(), () => new BottomBorder(), () => new RightBorder(),
            () => new InsideHorizontalBorder(), () => new InsideVerticalBorder(),
        };
        var borders = new TableBorders();
        foreach (var make in border)
        {
            var b = make();
            b.Val = BorderValues.Single;
            b.Size = 4;
            b.Color = "999999";
            borders.Append(b);
        }
        var table = new WTable(new TableProperties(
            new TableWidth { Type = TableWidthUnitValues.Pct, Width = "5000" },
            borders,
            new TableLayout { Type = TableLayoutValues.Autofit }));
        var columns = Math.Max(1, source.OfType<MdTableRow>().Select(r => r.Count).DefaultIfEmpty(1).Max());
        table.Append(new TableGrid(Enumerable.Range(0, columns).Select(_ => new GridColumn { Width = (9638 / columns).ToString() })));
        foreach (var row in source.OfType<MdTableRow>())
        {
            var tableRow = new WTableRow();
            if (row.IsHeader) tableRow.Append(new TableRowProperties(new TableHeader()));
            var column = 0;
            foreach (var cell in row.OfType<MdTableCell>())
            {
                var align = column < source.ColumnDefinitions.Count ? source.ColumnDefinitions[column].Alignment : null;
                column++;
                var tableCell = new WTableCell();
                if (row.IsHeader) tableCell.Append(new TableCellProperties(new Shading { Val = ShadingPatternValues.Clear, Fill = "EDEDED", Color = "auto" }));
                Blocks(cell, p =>
                {
                    p.SpacingBetweenLines = new SpacingBetweenLines { Before = "40", After = "40" };
                    if (align is TableColumnAlign.Center) p.Justification = new Justification { Val = JustificationValues.Center };
                    else if (align is TableColumnAlign.Right) p.Justification = new Justification { Val = JustificationValues.Right };
                }, tableCell);
                // A cell must hold a paragraph, even an empty one.
                if (!tableCell.Elements<Paragraph>().Any()) tableCell.Append(new Paragraph());
                if (row.IsHeader) foreach (var run in tableCell.Descendants<Run>()) (run.RunProperties ??= new RunProperties()).Bold = new Bold();
                tableRow.Append(tableCell);
            }
            table.Append(tableRow);
        }
        return table;
    }

    private List<OpenXmlElement> Inlines(ContainerInline? container, Format format = default)
    {
        var runs = new List<OpenXmlElement>();
        if (container is null) return runs;
        foreach (var inline in container) Inline(inline, format, runs);
        return runs;
    }

    private readonly record struct Format(bool Bold, bool Italic, bool Strike, bool Mono);

    private void Inline(Markdig.Syntax.Inlines.Inline inline, Format f, List<OpenXmlElement> runs)
    {
        switch (inline)
        {
            case LiteralInline literal:
                runs.Add(Run(literal.Content.ToString(), f));
                break;
            case EmphasisInline emphasis:
                var inner = emphasis.DelimiterChar == '~' ? f with { Strike = true }
                    : emphasis.DelimiterCount >= 2 ? f with { Bold = true } : f with { Italic = true };
                foreach (var child in emphasis) Inline(child, inner, runs);
                break;
            case CodeInline code:
                runs.Add(Run(code.Content, f with { Mono = true }));
                break;
            case LineBreakInline lineBreak:
                runs.Add(lineBreak.IsHard ? new Run(new Break()) : Run(" ", f));
                break;
            case AutolinkInline auto:
                runs.Add(Link(auto.IsEmail ? "mailto:" + auto.Url : auto.Url, [Run(auto.Url, f)]));
                break;
            case LinkInline link when link.IsImage:
                // Images are not fetched: their description and address stay.
                var alt = string.Concat(link.Descendants<LiteralInline>().Select(l => l.Content.ToString()));
                runs.Add(Run($"[image : {alt}] {link.Url}", f with { Italic = true }));
                break;
            case LinkInline link:
                var text = new List<OpenXmlElement>();
                foreach (var child in link) Inline(child, f, text);
                runs.Add(Link(link.Url, text));
                break;
            case HtmlEntityInline entity:
                runs.Add(Run(entity.Transcoded.ToString(), f));
                break;
            case HtmlInline html:
                runs.Add(Run(html.Tag, f));
                break;
            case TaskList task:
                runs.Add(Run(task.Checked ? "☑ " : "☐ ", f));
                break;
            case ContainerInline other:
                foreach (var child in other) Inline(child, f, runs);
                break;
        }
    }

    /// <summary>A real hyperlink for http(s) and mailto addresses; any other scheme stays plain text.</summary>
    private OpenXmlElement Link(string? url, List<OpenXmlElement> text)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "mailto"))
            return new Run(text.OfType<Run>().SelectMany(r => r.Elements<Text>()).Select(t => (OpenXmlElement)t.CloneNode(true)));
        var relation = _main.AddHyperlinkRelationship(uri, true);
        foreach (var run in text.OfType<Run>())
        {
            run.RunProperties ??= new RunProperties();
            run.RunProperties.Color = new Color { Val = "0563C1" };
            run.RunProperties.Underline = new Underline { Val = UnderlineValues.Single };
        }
        return new Hyperlink(text) { Id = relation.Id };
    }

    private int NewNumbering(int definition, int start)
    {
        var id = _nextNumbering++;
        var instance = new NumberingInstance(new AbstractNumId { Val = definition }) { NumberID = id };
        // Each list counts from its own start.
        instance.Append(new LevelOverride(new StartOverrideNumberingValue { Val = start }) { LevelIndex = 0 });
        _numbering.Append(instance);
        return id;
    }

    private void Paragraph(string? style, Run run) => _body.Append(Paragraph(style, _ => { }, [run]));

    private static Paragraph Paragraph(string? style, Action<ParagraphProperties> adjust, IEnumerable<OpenXmlElement> content)
    {
        var properties = new ParagraphProperties();
        if (style is not null) properties.ParagraphStyleId = new ParagraphStyleId { Val = style };
        adjust(properties);
        var paragraph = new Paragraph();
        if (properties.HasChildren) paragraph.Append(properties);
        paragraph.Append(content);
        return paragraph;
    }

    private static Run Run(string text, bool italic = false, bool mono = false) => Run(text, new Format(false, italic, false, mono));

    private static Run Run(string text, Format f)
    {
        var run = new Run();
        if (f.Bold || f.Italic || f.Strike || f.Mono)
        {
            var props = new RunProperties();
            if (f.Mono) props.RunFonts = new RunFonts { Ascii = Mono, HighAnsi = Mono, ComplexScript = Mono };
            if (f.Bold) props.Bold = new Bold();
            if (f.Italic) props.Italic = new Italic();
            if (f.Strike) props.Strike = new Strike();
            if (f.Mono) props.Shading = new Shading { Val = ShadingPatternValues.Clear, Fill = "F2F2F2", Color = "auto" };
            run.Append(props);
        }
        run.Append(new Text(Clean(text)) { Space = SpaceProcessingModeValues.Preserve });
        return run;
    }

    /// <summary>XML cannot hold control characters or lone surrogates, which a model may well write: they are dropped.</summary>
    public static string Clean(string text)
    {
        StringBuilder? kept = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = c is '\t' or '\n' or '\r' || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF && !char.IsSurrogate(c))
                || (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]));
            if (ok) kept?.Append(c);
            else kept ??= new StringBuilder(text, 0, i, text.Length);
        }
        return kept?.ToString() ?? text;
    }

    private static AbstractNum ListDefinition(int id, NumberFormatValues format)
    {
        var definition = new AbstractNum { AbstractNumberId = id };
        definition.Append(new MultiLevelType { Val = MultiLevelValues.HybridMultilevel });
        for (var level = 0; level < 9; level++)
        {
            var bullet = format == NumberFormatValues.Bullet;
            var lvl = new Level(
                new StartNumberingValue { Val = 1 },
                new NumberingFormat { Val = format },
                new LevelText { Val = bullet ? (level % 2 == 0 ? "•" : "◦") : $"%{level + 1}." },
                new LevelJustification { Val = LevelJustificationValues.Left },
                new PreviousParagraphProperties(new Indentation { Left = (720 * (level + 1)).ToString(), Hanging = "360" }))
            { LevelIndex = level };
            definition.Append(lvl);
        }
        return definition;
    }

    private static Styles Styles()
    {
        Style Paragraph(string id, string name, Action<StyleRunProperties> run, Action<StyleParagraphProperties>? paragraph = null)
        {
            var style = new Style(new StyleName { Val = name }, new BasedOn { Val = "Normal" }, new PrimaryStyle()) { Type = StyleValues.Paragraph, StyleId = id };
            var p = new StyleParagraphProperties();
            paragraph?.Invoke(p);
            if (p.HasChildren) style.Append(p);
            var r = new StyleRunProperties();
            run(r);
            style.Append(r);
            return style;
        }
        Action<StyleParagraphProperties> HeadingSpacing(string before) => p =>
        {
            p.Append(new KeepNext(), new KeepLines(), new SpacingBetweenLines { Before = before, After = "80" });
        };
        var styles = new Styles(
            new DocDefaults(
                new RunPropertiesDefault(new RunPropertiesBaseStyle(
                    new RunFonts { Ascii = "Calibri", HighAnsi = "Calibri", ComplexScript = "Calibri" },
                    new FontSize { Val = "22" }, new Languages { Val = "fr-FR" })),
                new ParagraphPropertiesDefault(new ParagraphPropertiesBaseStyle(new SpacingBetweenLines { After = "120", Line = "276", LineRule = LineSpacingRuleValues.Auto }))),
            new Style(new StyleName { Val = "Normal" }, new PrimaryStyle()) { Type = StyleValues.Paragraph, StyleId = "Normal", Default = true },
            Paragraph("Title", "Title", r => r.Append(new Bold(), new FontSize { Val = "40" })),
            Paragraph("Subtitle", "Subtitle", r => r.Append(new Italic(), new Color { Val = "595959" })),
            Paragraph("Code", "Code", r => r.Append(new RunFonts { Ascii = Mono, HighAnsi = Mono, ComplexScript = Mono }, new FontSize { Val = "19" }),
                p => p.Append(new Shading { Val = ShadingPatternValues.Clear, Fill = "F2F2F2", Color = "auto" }, new SpacingBetweenLines { After = "0", Line = "240", LineRule = LineSpacingRuleValues.Auto })),
            Paragraph("Quote", "Quote", r => r.Append(new Italic(), new Color { Val = "595959" }),
                p => p.Append(new Indentation { Left = "567" })));
        var sizes = new[] { "32", "28", "26", "24", "22", "22" };
        for (var level = 1; level <= 6; level++)
        {
            var size = sizes[level - 1];
            styles.Append(Paragraph($"Heading{level}", $"heading {level}", r => r.Append(new Bold(), new FontSize { Val = size }),
                HeadingSpacing(level == 1 ? "360" : "200")));
        }
        return styles;
    }
}
