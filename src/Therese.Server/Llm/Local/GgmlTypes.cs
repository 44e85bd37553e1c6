namespace Therese.Server.Llm.Local;

/// <summary>
/// Storage of the ggml tensor types (ggml/src/ggml.c, type_traits): values per block and bytes per block.
/// Used only to know where a tensor's data ends, so a truncated download is caught before llama.cpp reads it.
/// </summary>
internal readonly record struct GgmlTypes(int BlockValues, int BlockBytes)
{
    private static readonly Dictionary<uint, GgmlTypes> Known = new()
    {
        [0] = new(1, 4),      // F32
        [1] = new(1, 2),      // F16
        [2] = new(32, 18),    // Q4_0
        [3] = new(32, 20),    // Q4_1
        [6] = new(32, 22),    // Q5_0
        [7] = new(32, 24),    // Q5_1
        [8] = new(32, 34),    // Q8_0
        [9] = new(32, 36),    // Q8_1
        [10] = new(256, 84),  // Q2_K
        [11] = new(256, 110), // Q3_K
        [12] = new(256, 144), // Q4_K
        [13] = new(256, 176), // Q5_K
        [14] = new(256, 210), // Q6_K
        [15] = new(256, 292), // Q8_K
        [16] = new(256, 66),  // IQ2_XXS
        [17] = new(256, 74),  // IQ2_XS
        [18] = new(256, 98),  // IQ3_XXS
        [19] = new(256, 50),  // IQ1_S
        [20] = new(32, 18),   // IQ4_NL
        [21] = new(256, 110), // IQ3_S
        [22] = new(256, 82),  // IQ2_S
        [23] = new(256, 136), // IQ4_XS
        [24] = new(1, 1),     // I8
        [25] = new(1, 2),     // I16
        [26] = new(1, 4),     // I32
        [27] = new(1, 8),     // I64
        [28] = new(1, 8),     // F64
        [29] = new(256, 56),  // IQ1_M
        [30] = new(1, 2),     // BF16
        [34] = new(256, 54),  // TQ1_0
        [35] = new(256, 66),  // TQ2_0
        [39] = new(32, 17),   // MXFP4
    };

    public static bool TryGet(uint type, out GgmlTypes storage) => Known.TryGetValue(type, out storage);

    /// <summary>Bytes of a tensor of this type, or null when the shape cannot be stored (overflow, partial block).</summary>
    public long? ByteSize(ReadOnlySpan<ulong> shape)
    {
        if (shape.Length == 0 || shape[0] % (ulong)BlockValues != 0) return null;
        try
        {
            var rowBytes = checked(shape[0] / (ulong)BlockValues * (ulong)BlockBytes);
            var total = rowBytes;
            for (var i = 1; i < shape.Length; i++) total = checked(total * shape[i]);
            return total <= long.MaxValue ? (long)total : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
