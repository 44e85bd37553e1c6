using System.IO.Compression;
using System.Text;

namespace Therese.Server.Attachments.Reading;

/// <summary>
/// Zip-based formats (DOCX, XLSX, ODF) are checked before any parser sees them: at most so many entries, and at most
/// so many bytes once expanded, both as the zip declares them and as they really expand (a zip can lie about sizes).
/// </summary>
public static class ZipGuard
{
    private static ReadFailure Bomb(ReadingLimits limits) => ReadFailure.Corrupt(
        $"Ce fichier compressé devient bien trop volumineux une fois décompressé (plus de {FrenchText.Size(limits.MaxExpandedBytes)}) : " +
        "THÉRÈSE ne le lit pas (ce pourrait être une « bombe de décompression »).");

    /// <summary>Opens the zip, checking its entry count and its declared sizes.</summary>
    public static ZipArchive Open(byte[] bytes, ReadingLimits limits)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException)
        {
            throw ReadFailure.Corrupt("Ce fichier compressé est endommagé ou incomplet.");
        }
        try
        {
            var entries = zip.Entries;
            if (entries.Count > limits.MaxZipEntries)
                throw ReadFailure.Corrupt($"Ce fichier compressé contient trop d’éléments ({FrenchText.Number(entries.Count)} ; " +
                    $"{FrenchText.Number(limits.MaxZipEntries)} au plus) : THÉRÈSE ne le lit pas.");
            long declared = 0;
            foreach (var entry in entries)
            {
                declared += entry.Length;
                if (entry.Length > limits.MaxExpandedBytes || declared > limits.MaxExpandedBytes) throw Bomb(limits);
            }
            return zip;
        }
        catch (InvalidDataException)
        {
            zip.Dispose();
            throw ReadFailure.Corrupt("Ce fichier compressé est endommagé ou incomplet.");
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Expands every entry into nothing, counting: an entry that gives more bytes than it declared, or all of them more
    /// than the cap, is refused before a parser reads them.
    /// </summary>
    public static void CheckExpansion(ZipArchive zip, ReadingLimits limits)
    {
        var buffer = new byte[81920];
        long total = 0;
        try
        {
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                long read = 0;
                int n;
                while ((n = stream.Read(buffer)) > 0)
                {
                    read += n;
                    total += n;
                    if (read > entry.Length || total > limits.MaxExpandedBytes) throw Bomb(limits);
                }
            }
        }
        catch (InvalidDataException)
        {
            throw ReadFailure.Corrupt("Ce fichier compressé est endommagé ou incomplet.");
        }
    }

    /// <summary>An entry's text, at most <paramref name="maxBytes"/> bytes of it.</summary>
    public static string ReadText(ZipArchiveEntry entry, int maxBytes)
    {
        if (entry.Length > maxBytes) throw ReadFailure.Corrupt("Ce document est endommagé : un de ses éléments est anormalement grand.");
        try
        {
            using var stream = entry.Open();
            var buffer = new byte[maxBytes + 1];
            var length = 0;
            int n;
            while (length <= maxBytes && (n = stream.Read(buffer, length, buffer.Length - length)) > 0) length += n;
            if (length > maxBytes) throw ReadFailure.Corrupt("Ce document est endommagé : un de ses éléments est anormalement grand.");
            return Encoding.UTF8.GetString(buffer, 0, length).TrimStart('\uFEFF');
        }
        catch (InvalidDataException)
        {
            throw ReadFailure.Corrupt("Ce fichier compressé est endommagé ou incomplet.");
        }
    }
}
