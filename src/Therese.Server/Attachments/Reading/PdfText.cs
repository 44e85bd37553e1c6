using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Therese.Server.Attachments.Reading;

/// <summary>A PDF's text, page after page, with PdfPig (no OCR: a scanned page has no text).</summary>
public static class PdfText
{
    public static FileReading Read(byte[] bytes, ReadingLimits limits)
    {
        // A PDF ends with %%EOF (give or take a few bytes of padding); one that does not was cut short.
        var tail = bytes.AsSpan(Math.Max(0, bytes.Length - 1024));
        if (tail.IndexOf("%%EOF"u8) < 0)
            throw ReadFailure.Corrupt("Ce PDF est incomplet (le fichier a été coupé avant sa fin) : enregistrez-le ou téléchargez-le à nouveau.");
        try
        {
            using var document = PdfDocument.Open(bytes, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true, ClipPaths = false });
            var text = new StringBuilder();
            var ends = new List<int>();
            var cut = false;
            for (var number = 1; number <= document.NumberOfPages; number++)
            {
                var page = document.GetPage(number);
                if (text.Length > 0) text.Append("\n\n");
                text.Append(ContentOrderTextExtractor.GetText(page).Trim());
                ends.Add(text.Length);
                if (text.Length >= limits.MaxChars)
                {
                    cut = number < document.NumberOfPages;
                    break;
                }
            }
            return new FileReading
            {
                MediaType = MediaTypes.Pdf,
                Kind = AttachmentKinds.Document,
                Pages = document.NumberOfPages,
                Text = text.ToString(),
                PageEnds = [.. ends],
                TextCut = cut,
                Encrypted = document.IsEncrypted,
            };
        }
        catch (PdfDocumentEncryptedException)
        {
            throw ReadFailure.Corrupt("Ce PDF est protégé par un mot de passe : THÉRÈSE ne peut pas le lire. Enregistrez-en une copie sans mot de passe.");
        }
        catch (ReadFailure)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw ReadFailure.Corrupt("Ce PDF est endommagé : THÉRÈSE n’a pas pu le lire.");
        }
    }
}
