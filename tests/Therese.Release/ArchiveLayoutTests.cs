using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Therese.Release;

/// <summary>What each platform's download holds: one folder, one executable for that platform, its native libraries, the page.</summary>
[Collection(ReleaseCollection.Name)]
public sealed class ArchiveLayoutTests(ReleaseArchives archives, ITestOutputHelper output)
{
    public static TheoryData<string> Targets => [.. ReleaseArchives.Targets];

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_archive_holds_one_folder_with_the_executable_its_native_libraries_and_the_web_front_end(string rid)
    {
        output.WriteLine(archives.Log);
        var files = Read(archives.ArchiveOf(rid));
        var top = $"therese-{archives.Version}/";
        Assert.All(files.Keys, name => Assert.StartsWith(top, name));

        var (os, arch) = (rid.Split('-')[0], rid.Split('-')[1]);
        var (exe, prefix, extension) = os switch
        {
            "win" => ("therese.exe", "", ".dll"),
            "osx" => ("therese", "lib", ".dylib"),
            _ => ("therese", "lib", ".so"),
        };

        // Beside the one executable, nothing a person could mistake for it: the settings, the notice, the page, native libraries.
        var beside = files.Keys.Select(n => n[top.Length..].Split('/')[0]).Distinct().Order().ToList();
        output.WriteLine($"{rid}: {string.Join(", ", beside)}");
        Assert.Contains(exe, beside);
        Assert.All(beside, name => Assert.True(
            name is "appsettings.json" or "LISEZMOI.txt" or "wwwroot" or "runtimes" || name == exe
            || name == $"{prefix}e_sqlite3{extension}" || name == $"libSkiaSharp{extension}",
            $"unexpected {name} beside the executable of {rid}"));
        Assert.DoesNotContain(files.Keys, n => n.EndsWith(".pdb", StringComparison.Ordinal));
        // Installed by an administrator (in /opt, say), every account can run it.
        Assert.All(files, f => Assert.True(f.Value.Readable, $"{f.Key} is readable by its owner only"));

        var executable = files[top + exe];
        Assert.Equal(Format(os, arch), BinaryFormat(executable.Head));
        if (os != "win") Assert.True(executable.Executable, $"{exe} of {rid} is not executable");

        // llama.cpp for this platform, every CPU variant LLamaSharp.Backend.Cpu has for it, and no other platform's.
        var native = $"{top}runtimes/{rid}/native/";
        Assert.All(files.Keys.Where(n => n.StartsWith(top + "runtimes/", StringComparison.Ordinal)), n => Assert.StartsWith(native, n));
        string[] variants = rid switch
        {
            "linux-x64" or "win-x64" => ["noavx/", "avx/", "avx2/", "avx512/"],
            "osx-x64" => ["", "rosetta2/"],
            _ => [""],
        };
        string[] libraries = os == "osx" ? ["llama", "ggml", "ggml-base", "ggml-cpu", "ggml-blas"] : ["llama", "ggml", "ggml-base", "ggml-cpu"];
        foreach (var variant in variants)
            foreach (var library in libraries)
            {
                var path = $"{native}{variant}{prefix}{library}{extension}";
                Assert.True(files.ContainsKey(path), $"{path} is missing");
                Assert.Contains(Format(os, arch), BinaryFormat(files[path].Head));
            }
        if (rid == "osx-arm64") Assert.Contains($"{native}libggml-metal.dylib", files.Keys);
        // Apple silicon runs no unsigned code: the SDK signs the executable (ad hoc) even when building on Linux, and
        // llama.cpp's arm64 libraries come signed. (Intel Macs run unsigned code; LLamaSharp's x64 libraries are not signed.)
        if (rid == "osx-arm64")
            foreach (var (name, entry) in files.Where(f => f.Key == top + exe || f.Key.EndsWith(".dylib", StringComparison.Ordinal)))
                Assert.True(HasCodeSignature(entry.Arm64Head ?? entry.Head), $"{name} of {rid} carries no code signature");
        // SQLite's, and Skia's (the previews of attached images; libSkiaSharp on every platform), for this platform.
        foreach (var library in new[] { prefix + "e_sqlite3", "libSkiaSharp" })
        {
            var path = $"{top}{library}{extension}";
            Assert.True(files.ContainsKey(path), $"{path} is missing");
            Assert.Contains(Format(os, arch), BinaryFormat(files[path].Head));
        }

        // The page, and every script and style sheet it loads.
        var index = System.Text.Encoding.UTF8.GetString(files[top + "wwwroot/index.html"].Content!);
        Assert.Contains("<title>THÉRÈSE</title>", index);
        var assets = Regex.Matches(index, "(?:src|href)=\"/(assets/[^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(assets);
        Assert.All(assets, asset => Assert.Contains(top + "wwwroot/" + asset, files.Keys));
        Assert.Contains("Therese", System.Text.Encoding.UTF8.GetString(files[top + "appsettings.json"].Content!));
    }

    [Fact]
    public void SHA256SUMS_lists_every_archive_with_its_hash()
    {
        var sums = File.ReadAllLines(Path.Combine(archives.Dist, "SHA256SUMS"))
            .Select(l => l.Split("  ", 2)).ToDictionary(p => p[1], p => p[0]);
        foreach (var rid in ReleaseArchives.Targets)
        {
            var archive = archives.ArchiveOf(rid);
            Assert.Equal(ReleaseArchives.Sha256(archive), sums[Path.GetFileName(archive)]);
        }
        Assert.Equal(ReleaseArchives.Targets.Length, sums.Count);
    }

    /// <param name="Arm64Head">A universal Mach-O's arm64 slice, its first bytes (its signature is the one Apple silicon checks).</param>
    private sealed record Entry(byte[] Head, bool Executable, byte[]? Content, bool Readable = true, byte[]? Arm64Head = null);

    /// <summary>Every file of the archive: its first bytes, whether it is executable, and the whole of the small text files.</summary>
    private static Dictionary<string, Entry> Read(string archive)
    {
        var files = new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (archive.EndsWith(".zip", StringComparison.Ordinal))
        {
            using var zip = ZipFile.OpenRead(archive);
            foreach (var e in zip.Entries.Where(e => !e.FullName.EndsWith('/')))
            {
                using var stream = e.Open();
                files[e.FullName] = Describe(e.FullName, stream, executable: false);
            }
            return files;
        }
        using var file = File.OpenRead(archive);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            using var stream = entry.DataStream ?? Stream.Null;
            files[entry.Name] = Describe(entry.Name, stream, entry.Mode.HasFlag(UnixFileMode.UserExecute))
                with { Readable = entry.Mode.HasFlag(UnixFileMode.GroupRead | UnixFileMode.OtherRead) };
        }
        return files;
    }

    /// <summary>Enough for every header read here: a PE header starts a few hundred bytes in; the apphost's Mach-O load commands take 4.5 KB.</summary>
    private const int HeadBytes = 16384;

    private static Entry Describe(string name, Stream stream, bool executable)
    {
        var whole = name.EndsWith(".html", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal);
        using var copy = new MemoryStream();
        if (whole)
        {
            stream.CopyTo(copy);
            return new Entry(copy.ToArray()[..Math.Min(HeadBytes, (int)copy.Length)], executable, copy.ToArray());
        }
        var head = ReadUpTo(stream, HeadBytes);
        return new Entry(head, executable, null, Arm64Head: Arm64Slice(head, stream));
    }

    private static byte[] ReadUpTo(Stream stream, int count)
    {
        var bytes = new byte[count];
        var read = 0;
        while (read < bytes.Length && stream.Read(bytes, read, bytes.Length - read) is > 0 and var n) read += n;
        return bytes[..read];
    }

    /// <summary>For a universal Mach-O, the first bytes of its arm64 slice, read on from the stream (positioned after the head).</summary>
    private static byte[]? Arm64Slice(byte[] head, Stream stream)
    {
        if (head.Length < 8 || BinaryPrimitives.ReadUInt32BigEndian(head) != 0xCAFEBABE) return null;
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4));
        for (var i = 0; i < count && 8 + i * 20 + 20 <= head.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(8 + i * 20)) != 0x0100000C) continue;
            var offset = (long)BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(8 + i * 20 + 8));
            if (offset < head.Length) return null;
            var skip = offset - head.Length;
            var buffer = new byte[81920];
            while (skip > 0 && stream.Read(buffer, 0, (int)Math.Min(buffer.Length, skip)) is > 0 and var n) skip -= n;
            return ReadUpTo(stream, HeadBytes);
        }
        return null;
    }

    private static string Format(string os, string arch) => $"{os switch { "win" => "PE", "osx" => "Mach-O", _ => "ELF" }} {arch}";

    /// <summary>"ELF x64", "PE x64", "Mach-O arm64" (a universal Mach-O lists each of its architectures)…, from the file's header.</summary>
    private static string BinaryFormat(byte[] head)
    {
        if (head.Length >= 20 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F')
            return "ELF " + (BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(18)) switch { 62 => "x64", 183 => "arm64", var m => $"machine {m}" });
        if (head.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(head) == 0xFEEDFACF)
            return "Mach-O " + CpuType(BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4)));
        if (head.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(head) == 0xCAFEBABE)
        {
            var count = (int)BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4));
            var archs = Enumerable.Range(0, Math.Min(count, (head.Length - 8) / 20))
                .Select(i => CpuType(BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(8 + i * 20))));
            return string.Join(" ", archs.Select(a => "Mach-O " + a));
        }
        if (head.Length >= 64 && head[0] == 'M' && head[1] == 'Z')
        {
            var pe = (int)BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(0x3C));
            if (pe + 6 <= head.Length && head.AsSpan(pe, 4).SequenceEqual("PE\0\0"u8))
                return "PE " + (BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(pe + 4)) switch { 0x8664 => "x64", 0xAA64 => "arm64", var m => $"machine {m:x}" });
        }
        return "unknown";
    }

    /// <summary>Whether a thin 64-bit Mach-O file has an LC_CODE_SIGNATURE load command (within the bytes read).</summary>
    private static bool HasCodeSignature(byte[] head)
    {
        if (head.Length < 32 || BinaryPrimitives.ReadUInt32LittleEndian(head) != 0xFEEDFACF) return false;
        var commands = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(16));
        var offset = 32;
        for (var i = 0; i < commands && offset + 8 <= head.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(offset)) == 0x1D) return true;
            offset += (int)BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(offset + 4));
        }
        return false;
    }

    private static string CpuType(uint type) => type switch { 0x01000007 => "x64", 0x0100000C => "arm64", _ => $"cputype {type:x}" };
}
