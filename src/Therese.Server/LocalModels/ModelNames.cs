using System.Text.RegularExpressions;

namespace Therese.Server.LocalModels;

/// <summary>
/// What a repo id and a model file name may be. A file name becomes a path in the models folder, so anything
/// that could step out of it, or mean something else to the file system, is refused.
/// </summary>
public static partial class ModelNames
{
    public const string Extension = ".gguf";
    private const int MaxFileLength = 200;

    /// <summary>"owner/name" as on Hugging Face: letters, digits, '-', '_' and '.', each part 1 to 96 characters, no "..".</summary>
    public static bool IsValidRepo(string? repo) =>
        repo is not null && RepoPattern().IsMatch(repo) && !repo.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// A plain file name ending in .gguf (any case): no folder separator, no "..", not hidden, no drive or stream
    /// (':'), no character Windows refuses, no device name, no trailing space or dot.
    /// </summary>
    public static bool IsValidFile(string? file)
    {
        if (string.IsNullOrEmpty(file) || file.Length > MaxFileLength) return false;
        if (!file.EndsWith(Extension, StringComparison.OrdinalIgnoreCase) || file.Length == Extension.Length) return false;
        if (file.Contains("..", StringComparison.Ordinal) || file[0] == '.' || file[0] == ' ' || file[^1] is ' ' or '.') return false;
        if (file.AsSpan().IndexOfAny(Forbidden) >= 0 || file.Any(char.IsControl)) return false;
        if (Path.IsPathRooted(file) || Path.GetFileName(file) != file) return false;
        return !WindowsDevice().IsMatch(file);
    }

    private static readonly char[] Forbidden = ['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex RepoPattern();

    [GeneratedRegex(@"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\.|$)", RegexOptions.IgnoreCase)]
    private static partial Regex WindowsDevice();
}
