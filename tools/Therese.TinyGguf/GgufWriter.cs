using System.Runtime.InteropServices;
using System.Text;

namespace Therese.TinyGguf;

/// <summary>
/// Writes a GGUF version 3 file (ggml-org/ggml docs/gguf.md): header, key/values, tensor infos, then the
/// F32 tensor data, each tensor aligned to 32 bytes. Little-endian only, which is every machine .NET runs on here.
/// </summary>
internal sealed class GgufWriter
{
    private const uint Version = 3;
    private const int Alignment = 32;

    private readonly List<(string Key, Action<BinaryWriter> Value)> _values = [];
    private readonly List<(string Name, ulong[] Dims, float[] Data)> _tensors = [];

    // GGUF value types.
    private const uint UInt32Type = 4, Int32Type = 5, Float32Type = 6, BoolType = 7, StringType = 8, ArrayType = 9;

    public void Add(string key, string value) => _values.Add((key, w => { w.Write(StringType); WriteString(w, value); }));

    // llama.cpp checks value types exactly: counts and token ids are UINT32, not UINT64.
    public void Add(string key, uint value) => _values.Add((key, w => { w.Write(UInt32Type); w.Write(value); }));

    public void Add(string key, float value) => _values.Add((key, w => { w.Write(Float32Type); w.Write(value); }));

    public void Add(string key, bool value) => _values.Add((key, w => { w.Write(BoolType); w.Write(value ? (byte)1 : (byte)0); }));

    public void Add(string key, IReadOnlyList<string> values) => _values.Add((key, w =>
    {
        w.Write(ArrayType);
        w.Write(StringType);
        w.Write((ulong)values.Count);
        foreach (var v in values) WriteString(w, v);
    }));

    public void Add(string key, IReadOnlyList<int> values) => _values.Add((key, w =>
    {
        w.Write(ArrayType);
        w.Write(Int32Type);
        w.Write((ulong)values.Count);
        foreach (var v in values) w.Write(v);
    }));

    /// <summary>An F32 tensor; <paramref name="dims"/> in ggml order, dims[0] being the contiguous row length.</summary>
    public void AddTensor(string name, ulong[] dims, float[] data)
    {
        var count = dims.Aggregate(1UL, (a, d) => a * d);
        if (count != (ulong)data.Length)
            throw new ArgumentException($"Tensor {name} has {data.Length} values for dims [{string.Join(", ", dims)}].", nameof(data));
        _tensors.Add((name, dims, data));
    }

    public void WriteTo(Stream stream)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("GGUF is written little-endian.");
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_values.Count);
        foreach (var (key, value) in _values)
        {
            WriteString(w, key);
            value(w);
        }

        // Each offset is the running total of the previous tensors' sizes, each rounded up to the alignment.
        ulong offset = 0;
        foreach (var (name, dims, data) in _tensors)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims) w.Write(d);
            w.Write(0u); // GGML_TYPE_F32
            w.Write(offset);
            offset += Align((ulong)data.Length * sizeof(float));
        }

        Pad(w);
        foreach (var (_, _, data) in _tensors)
        {
            w.Write(MemoryMarshal.AsBytes(data.AsSpan()));
            Pad(w);
        }
    }

    private static ulong Align(ulong size) => (size + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        w.Flush();
        var position = (ulong)w.BaseStream.Position;
        for (var i = position; i < Align(position); i++) w.Write((byte)0);
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
