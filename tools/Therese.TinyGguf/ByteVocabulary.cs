namespace Therese.TinyGguf;

/// <summary>
/// GPT-2's byte-level BPE alphabet: each of the 256 bytes is one visible character (printable bytes stand for
/// themselves, the others are shifted above U+0100). With no merges every byte is a token of its own, so any
/// text can be tokenized and a multi-byte character always spans several tokens.
/// </summary>
internal static class ByteVocabulary
{
    public static IReadOnlyList<string> Tokens { get; } = Build();

    private static string[] Build()
    {
        var tokens = new string[256];
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            tokens[b] = ((char)(printable ? b : 256 + shifted++)).ToString();
        }
        return tokens;
    }
}
