using System.Text;

namespace Therese.Server.Attachments.Reading;

/// <summary>Text files (TXT, CSV, Markdown): decoded, or refused when they are not text at all.</summary>
public static class PlainText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    static PlainText() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>
    /// The text, or null for binary data. UTF-8 (with or without its mark), UTF-16 with its mark, and otherwise Windows-1252,
    /// which French Excel and many older tools write.
    /// </summary>
    public static string? Decode(byte[] bytes)
    {
        string text;
        if (bytes.AsSpan().StartsWith(new byte[] { 0xFF, 0xFE })) text = Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2);
        else if (bytes.AsSpan().StartsWith(new byte[] { 0xFE, 0xFF })) text = Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2);
        else
        {
            var start = bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }) ? 3 : 0;
            try
            {
                text = StrictUtf8.GetString(bytes, start, bytes.Length - start);
            }
            catch (DecoderFallbackException)
            {
                text = Encoding.GetEncoding(1252).GetString(bytes);
            }
        }
        return IsText(text) ? text : null;
    }

    /// <summary>No NUL, and hardly any other control character: what a text editor would show as text.</summary>
    private static bool IsText(string text)
    {
        var controls = 0;
        foreach (var c in text)
        {
            if (c == '\0') return false;
            if (c < ' ' && c is not ('\t' or '\n' or '\r' or '\f')) controls++;
        }
        return controls <= text.Length / 1000;
    }
}
