namespace Therese.Server.Attachments.Reading;

/// <summary>Reads one file of any supported type. Hostile-input code: it runs in the reader process, never in the server.</summary>
public static class FileReader
{
    public static FileReading Read(byte[] bytes, ReadingLimits limits)
    {
        if (bytes.Length == 0) throw ReadFailure.Corrupt("Ce fichier est vide.");
        var type = FileSniffer.Detect(bytes, limits);
        return type switch
        {
            MediaTypes.Pdf => PdfText.Read(bytes, limits),
            MediaTypes.Docx => WordText.Read(bytes, limits),
            MediaTypes.Xlsx => SheetText.Read(bytes, limits),
            MediaTypes.Odt or MediaTypes.Ods => OpenDocumentText.Read(bytes, type, limits),
            MediaTypes.Png or MediaTypes.Jpeg or MediaTypes.Webp or MediaTypes.Gif => ImagePreview.Read(bytes, type, limits),
            _ => TextFile(bytes, type, limits),
        };
    }

    private static FileReading TextFile(byte[] bytes, string type, ReadingLimits limits)
    {
        var text = PlainText.Decode(bytes) ?? throw ReadFailure.UnknownFormat();
        var cut = text.Length > limits.MaxChars;
        return new FileReading { MediaType = type, Kind = AttachmentKinds.Document, Text = cut ? text[..limits.MaxChars] : text, TextCut = cut };
    }
}
