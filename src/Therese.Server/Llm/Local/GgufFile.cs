using System.Text;

namespace Therese.Server.Llm.Local;

/// <summary>What THÉRÈSE checks in a GGUF file before llama.cpp sees it.</summary>
/// <param name="Architecture">general.architecture, such as "llama" or "qwen2".</param>
/// <param name="ContextLength">{architecture}.context_length, if the file says.</param>
/// <param name="RequiredLength">Where the last tensor's data ends; a shorter file is truncated.</param>
internal sealed record GgufFile(string Architecture, ulong? ContextLength, long FileLength, long RequiredLength)
{
    private const uint Magic = 0x46554747; // "GGUF" little-endian
    private const int MaxDims = 4;

    /// <summary>
    /// Reads the header, the key/values and the tensor infos, and checks that the tensor data fits in the file.
    /// llama.cpp rejects most broken files by itself, but a few defects abort the whole process from a native
    /// assertion (duplicate tokens in the vocabulary, for one): those are caught here first.
    /// </summary>
    /// <exception cref="LocalModelException">model_invalid or model_unsupported, in French.</exception>
    public static GgufFile Read(string path, string name)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return new Reader(stream, name).Read();
        }
        catch (EndOfStreamException ex)
        {
            throw LocalModelException.Corrupt(name, "son en-tête est incomplet ou abîmé.", ex);
        }
    }

    private sealed class Reader(FileStream stream, string name)
    {
        private readonly BinaryReader _in = new(stream, Encoding.UTF8, leaveOpen: true);
        private readonly long _length = stream.Length;

        private long Remaining => _length - stream.Position;

        public GgufFile Read()
        {
            if (_length < 24 || _in.ReadUInt32() != Magic)
                throw LocalModelException.Corrupt(name, "ce n’est pas un fichier GGUF.");
            var version = _in.ReadUInt32();
            if (version is not (2 or 3))
                throw new LocalModelException(LocalModelException.Unsupported,
                    $"Le fichier du modèle « {name} » est au format GGUF version {version}, que cette version de THÉRÈSE ne sait pas lire.");
            var tensorCount = _in.ReadUInt64();
            var valueCount = _in.ReadUInt64();
            // Smallest possible tensor info and key/value, so that absurd counts fail before any allocation.
            if (tensorCount > (ulong)Remaining / 33 || valueCount > (ulong)Remaining / 13)
                throw LocalModelException.Corrupt(name, "son en-tête annonce plus d’éléments que le fichier ne peut en contenir.");

            string? architecture = null;
            uint alignment = 32;
            var contextLengths = new Dictionary<string, ulong>(StringComparer.Ordinal);
            for (ulong i = 0; i < valueCount; i++)
            {
                var key = ReadString();
                var type = _in.ReadUInt32();
                switch (key)
                {
                    case "general.architecture" when type == GgufType.String:
                        architecture = ReadString();
                        break;
                    case "general.alignment" when type == GgufType.UInt32:
                        alignment = _in.ReadUInt32();
                        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
                            throw LocalModelException.Corrupt(name, $"son alignement ({alignment}) n’est pas une puissance de deux.");
                        break;
                    case "tokenizer.ggml.tokens" when type == GgufType.Array:
                        CheckTokens();
                        break;
                    case var k when k.EndsWith(".context_length", StringComparison.Ordinal) && type is GgufType.UInt32 or GgufType.UInt64:
                        contextLengths[k] = type == GgufType.UInt32 ? _in.ReadUInt32() : _in.ReadUInt64();
                        break;
                    default:
                        Skip(type, depth: 0);
                        break;
                }
            }
            if (string.IsNullOrEmpty(architecture))
                throw LocalModelException.Corrupt(name, "il ne dit pas quelle architecture de modèle il contient.");

            long dataEnd = 0;
            for (ulong i = 0; i < tensorCount; i++)
            {
                var tensor = ReadString();
                var dims = _in.ReadUInt32();
                if (dims is 0 or > MaxDims)
                    throw LocalModelException.Corrupt(name, $"le tenseur {tensor} a {dims} dimensions.");
                var shape = new ulong[dims];
                for (var d = 0; d < dims; d++) shape[d] = _in.ReadUInt64();
                var type = _in.ReadUInt32();
                var offset = _in.ReadUInt64();
                if (offset % alignment != 0)
                    throw LocalModelException.Corrupt(name, $"les données du tenseur {tensor} sont mal alignées.");
                // An unknown (newer) type is left to llama.cpp, which checks the bounds of every tensor itself.
                if (!GgmlTypes.TryGet(type, out var ggmlType)) continue;
                if (ggmlType.ByteSize(shape) is not { } size || offset > (ulong)(long.MaxValue - size))
                    throw LocalModelException.Corrupt(name, $"le tenseur {tensor} a une taille impossible.");
                dataEnd = Math.Max(dataEnd, (long)offset + size);
            }

            var dataStart = (stream.Position + alignment - 1) / alignment * alignment;
            var required = dataStart + dataEnd;
            if (_length < required)
                throw LocalModelException.Truncated(name, _length, required);

            contextLengths.TryGetValue(architecture + ".context_length", out var context);
            return new GgufFile(architecture, context == 0 ? null : context, _length, required);
        }

        /// <summary>llama.cpp asserts that no two tokens are spelled the same; a duplicate would abort the process.</summary>
        private void CheckTokens()
        {
            var type = _in.ReadUInt32();
            var count = _in.ReadUInt64();
            if (type != GgufType.String) throw LocalModelException.Corrupt(name, "son vocabulaire est mal formé.");
            if (count > (ulong)Remaining / 8) throw new EndOfStreamException();
            var seen = new HashSet<string>((int)Math.Min(count, 1 << 20), StringComparer.Ordinal);
            for (ulong i = 0; i < count; i++)
            {
                // Latin-1 maps each byte to one char, so two different byte strings never compare equal.
                if (!seen.Add(Encoding.Latin1.GetString(ReadBytes())))
                    throw LocalModelException.Corrupt(name, $"son vocabulaire contient deux fois le même jeton (n° {i}).");
            }
        }

        private void Skip(uint type, int depth)
        {
            if (type == GgufType.String)
            {
                SkipBytes(ReadLength());
                return;
            }
            if (type == GgufType.Array)
            {
                var elementType = _in.ReadUInt32();
                var count = _in.ReadUInt64();
                if (depth > 0 || count > (ulong)Remaining)
                    throw LocalModelException.Corrupt(name, "une de ses métadonnées est mal formée.");
                if (GgufType.Size(elementType) is { } size)
                {
                    if (count > (ulong)Remaining / (ulong)size)
                        throw new EndOfStreamException();
                    SkipBytes((long)count * size);
                }
                else
                {
                    for (ulong i = 0; i < count; i++) Skip(elementType, depth + 1);
                }
                return;
            }
            SkipBytes(GgufType.Size(type) ?? throw LocalModelException.Corrupt(name, $"une de ses métadonnées a un type inconnu ({type})."));
        }

        private string ReadString() => Encoding.UTF8.GetString(ReadBytes());

        private byte[] ReadBytes() => _in.ReadBytes(checked((int)ReadLength()));

        private long ReadLength()
        {
            var length = _in.ReadUInt64();
            if (length > (ulong)Remaining || length > int.MaxValue)
                throw new EndOfStreamException();
            return (long)length;
        }

        private void SkipBytes(long count)
        {
            if (count > Remaining) throw new EndOfStreamException();
            stream.Seek(count, SeekOrigin.Current);
        }
    }

    /// <summary>GGUF value types (ggml-org/ggml docs/gguf.md).</summary>
    private static class GgufType
    {
        public const uint UInt32 = 4, String = 8, Array = 9, UInt64 = 10;

        public static int? Size(uint type) => type switch
        {
            0 or 1 or 7 => 1,   // uint8, int8, bool
            2 or 3 => 2,        // uint16, int16
            4 or 5 or 6 => 4,   // uint32, int32, float32
            10 or 11 or 12 => 8, // uint64, int64, float64
            _ => null,
        };
    }
}
