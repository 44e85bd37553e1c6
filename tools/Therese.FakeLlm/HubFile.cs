using System.Globalization;
using System.Security.Cryptography;

namespace Therese.FakeLlm;

/// <summary>
/// Faults the fake hub injects when it serves one file. Replace <see cref="HubFile.Faults"/> at any time:
/// requests that start afterwards use the new value.
/// </summary>
public sealed record HubFaults
{
    public static readonly HubFaults None = new();

    /// <summary>Reset the connection after this many bytes of a download response…</summary>
    public long? DropAfterBytes { get; init; }

    /// <summary>…for this many downloads of the file (the first ones); later downloads complete.</summary>
    public int DropTimes { get; init; } = 1;

    /// <summary>Advertise a SHA-256 in X-Linked-ETag that is not the file's.</summary>
    public bool WrongSha256 { get; init; }

    /// <summary>Serve the bytes at this pace (a Stopwatch schedule, so no drift); null is as fast as possible.</summary>
    public long? BytesPerSecond { get; init; }

    /// <summary>
    /// Serve the file as Hugging Face serves a plain git file: 200 straight from /resolve, with no redirect
    /// and no X-Linked-* headers, so no SHA-256 is advertised.
    /// </summary>
    public bool NotLfs { get; init; }
}

/// <summary>One file the fake hub serves: its bytes, its real digests, and the faults to inject.</summary>
public sealed class HubFile
{
    private readonly Func<Stream> _open;
    private int _downloads;

    private HubFile(string repo, string file, long length, string sha256, string gitOid, Func<Stream> open, HubFaults faults)
    {
        Repo = repo;
        File = file;
        Length = length;
        Sha256 = sha256;
        GitOid = gitOid;
        _open = open;
        Faults = faults;
    }

    public string Repo { get; }
    public string File { get; }
    public long Length { get; }

    /// <summary>The real SHA-256 of the bytes, lowercase hex.</summary>
    public string Sha256 { get; }

    /// <summary>The git blob id of the bytes (SHA-1 of "blob {length}\0" + bytes), what the hub gives as ETag.</summary>
    public string GitOid { get; }

    public HubFaults Faults { get; set; }

    /// <summary>How many download responses (GET on the CDN path) have started for this file.</summary>
    public int Downloads => Volatile.Read(ref _downloads);

    internal int CountDownload() => Interlocked.Increment(ref _downloads);

    internal Stream Open() => _open();

    internal static HubFile FromBytes(string repo, string file, byte[] content, HubFaults faults)
    {
        using var git = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        git.AppendData(GitHeader(content.Length));
        git.AppendData(content);
        return new HubFile(repo, file, content.Length, Convert.ToHexStringLower(SHA256.HashData(content)),
            Convert.ToHexStringLower(git.GetHashAndReset()), () => new MemoryStream(content, writable: false), faults);
    }

    /// <summary>Reads the file once to hash it; the bytes are read again from disk for every download.</summary>
    internal static HubFile FromPath(string repo, string file, string path, HubFaults faults)
    {
        var full = Path.GetFullPath(path);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var git = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        long length;
        using (var stream = System.IO.File.OpenRead(full))
        {
            length = stream.Length;
            git.AppendData(GitHeader(length));
            var buffer = new byte[1 << 20];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                git.AppendData(buffer, 0, read);
            }
        }
        return new HubFile(repo, file, length, Convert.ToHexStringLower(sha.GetHashAndReset()),
            Convert.ToHexStringLower(git.GetHashAndReset()), () => System.IO.File.OpenRead(full), faults);
    }

    private static byte[] GitHeader(long length) =>
        System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {length}\0"));

    public override string ToString() => $"{Repo}/{File} ({Length} bytes, sha256 {Sha256[..12]}…, {Downloads} download(s))";
}
