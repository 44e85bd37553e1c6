using System.Text.Json;

namespace Therese.Server.LocalModels;

/// <summary>
/// What a <c>{file}.part</c> holds, written beside it as <c>{file}.part.json</c> before the first byte. With it, a
/// download cut by a stop of THÉRÈSE is listed again at the next start and resumed from the bytes on disk, but only
/// if the hub still serves the same bytes (same size and SHA-256). Never in the database: it lives and dies with the part.
/// </summary>
public sealed record DownloadSidecar(string Repo, string File, long Total, string Sha256, DateTimeOffset StartedAt, string? OwnerId = null)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public bool Describes(string repo, long total, string sha256) =>
        Repo == repo && Total == total && string.Equals(Sha256, sha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes through a temporary file, so a crash leaves the old sidecar or the new one, never half of one.</summary>
    public async Task WriteAsync(string path, CancellationToken ct)
    {
        var temp = path + ".tmp";
        await System.IO.File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(this, Json), ct);
        System.IO.File.Move(temp, path, overwrite: true);
    }

    /// <summary>The sidecar at <paramref name="path"/>, or null when it is missing, unreadable or not for a valid download.</summary>
    public static DownloadSidecar? Read(string path)
    {
        try
        {
            var sidecar = JsonSerializer.Deserialize<DownloadSidecar>(System.IO.File.ReadAllBytes(path), Json);
            return sidecar is { Total: >= 0 }
                   && ModelNames.IsValidRepo(sidecar.Repo) && ModelNames.IsValidFile(sidecar.File)
                   && sidecar.Sha256 is { Length: 64 } && sidecar.Sha256.All(char.IsAsciiHexDigit)
                ? sidecar
                : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
