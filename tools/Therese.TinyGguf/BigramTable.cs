using System.Text;

namespace Therese.TinyGguf;

/// <summary>Log-probabilities of the next byte given the previous one, counted over <see cref="FrenchSample"/>.</summary>
internal static class BigramTable
{
    /// <summary>Added to every log-probability, so that a logit of 0 (the end-of-generation rows) is far below all bytes.</summary>
    public const float Offset = 30f;

    /// <summary>How far below the offset a pair that never occurs in the sample sits: possible, but very rare.</summary>
    private const float Unseen = -16f;

    /// <summary>logits[next, previous] for the 256 bytes.</summary>
    public static float[,] Logits()
    {
        var bytes = Encoding.UTF8.GetBytes(FrenchSample.Text);
        var pairs = new int[256, 256];
        var totals = new int[256];
        var singles = new int[256];
        for (var i = 0; i < bytes.Length; i++)
        {
            singles[bytes[i]]++;
            if (i == 0) continue;
            pairs[bytes[i - 1], bytes[i]]++;
            totals[bytes[i - 1]]++;
        }

        var logits = new float[256, 256];
        for (var previous = 0; previous < 256; previous++)
        for (var next = 0; next < 256; next++)
        {
            // A byte never seen before another one (the prompt can hold any) falls back to the bytes' own frequencies.
            var (count, total) = totals[previous] > 0 ? (pairs[previous, next], totals[previous]) : (singles[next], bytes.Length);
            logits[next, previous] = Offset + (count > 0 ? MathF.Log((float)count / total) : Unseen);
        }
        return logits;
    }
}
