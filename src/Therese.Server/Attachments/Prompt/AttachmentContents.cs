using System.Text;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;

namespace Therese.Server.Attachments.Prompt;

/// <summary>
/// What a model receives for an attachment. Claude: a PDF as a document block, other documents as text documents
/// titled with the file's name, images as image blocks. OpenAI-compatible servers and the local model: documents as
/// text in a &lt;document&gt; frame (the OpenAI adapter drops text data, and Ollama refuses file parts), images as data.
/// </summary>
public static class AttachmentContents
{
    public static IEnumerable<AIContent> For(AttachmentPlan plan, ModelContext model, IReadOnlyDictionary<string, byte[]> pdfBytes)
    {
        var stored = plan.Stored;
        var file = stored.File;
        switch (plan.Form)
        {
            case AttachmentForm.Pdf:
                yield return Claude(new DocumentBlockParam
                {
                    Source = new(new Base64PdfSource { Data = Convert.ToBase64String(pdfBytes[file.Sha256]) }),
                    Title = stored.Attachment.Name,
                });
                break;
            case AttachmentForm.Image:
                yield return new DataContent(file.Preview!, file.PreviewType!) { Name = stored.Attachment.Name };
                break;
            case AttachmentForm.Text:
                var text = file.Text[..plan.Chars];
                if (plan.Notice is { } notice) text += "\n\n" + notice;
                yield return model.IsClaude
                    ? Claude(new DocumentBlockParam
                    {
                        // Claude refuses an empty text document.
                        Source = new(new PlainTextSource { Data = text.Length == 0 ? "(vide)" : text }),
                        Title = stored.Attachment.Name,
                    })
                    : new TextContent(Framed(stored, text));
                break;
            case AttachmentForm.Notice:
                yield return new TextContent(plan.Notice!);
                break;
        }
    }

    private static AIContent Claude(DocumentBlockParam block) => new() { RawRepresentation = new ContentBlockParam(block) };

    /// <summary>
    /// The text in a frame naming the file. The name and the text are the person's (or a stranger's) data: nothing in them
    /// may close the frame or open another.
    /// </summary>
    public static string Framed(StoredAttachment stored, string text)
    {
        var file = stored.File;
        var frame = new StringBuilder("<document name=\"").Append(Attribute(stored.Attachment.Name))
            .Append("\" type=\"").Append(MediaTypes.Label(file.MediaType)).Append('"');
        if (file.Pages is { } pages) frame.Append(" pages=\"").Append(pages).Append('"');
        frame.Append(">\n").Append(text.Replace("</document", "<\\/document", StringComparison.OrdinalIgnoreCase)).Append("\n</document>");
        return frame.ToString();
    }

    private static string Attribute(string value) =>
        value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
