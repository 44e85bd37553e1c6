using Therese.Server.Storage;

namespace Therese.Server.LocalModels;

public sealed record InstalledModel(string File, long Size);

/// <summary>
/// The folder that holds the local models: finished <c>{file}</c>, and for a download under way
/// <c>{file}.part</c> with its <c>{file}.part.json</c> sidecar. Names reaching here have passed <see cref="ModelNames"/>.
/// </summary>
public sealed class ModelsFolder(DataDirectory data)
{
    public const string PartSuffix = ".part";
    public const string SidecarSuffix = ".part.json";

    public string Path => data.ModelsPath;

    public string PathOf(string file) => System.IO.Path.Combine(Path, file);
    public string PartOf(string file) => PathOf(file) + PartSuffix;
    public string SidecarOf(string file) => PathOf(file) + SidecarSuffix;

    /// <summary>Creates the folder if needed; on Unix only its owner may enter it, since models can be private.</summary>
    public void Ensure()
    {
        if (Directory.Exists(Path)) return;
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(Path);
        else
            Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The finished models: *.gguf files (any case) directly in the folder, by name.</summary>
    public IReadOnlyList<InstalledModel> Installed()
    {
        if (!Directory.Exists(Path)) return [];
        return new DirectoryInfo(Path)
            .EnumerateFiles("*" + ModelNames.Extension, new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive, RecurseSubdirectories = false })
            .Where(f => f.Name.EndsWith(ModelNames.Extension, StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase)
            .Select(f => new InstalledModel(f.Name, f.Length))
            .ToList();
    }

    public bool IsInstalled(string file) => File.Exists(PathOf(file));

    /// <summary>Removes a finished model; false when there is none by that name.</summary>
    public bool Delete(string file)
    {
        var path = PathOf(file);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }

    /// <summary>Removes what a download left behind (partial bytes and sidecar), if anything.</summary>
    public void DeletePart(string file)
    {
        File.Delete(PartOf(file));
        File.Delete(SidecarOf(file));
    }

    /// <summary>Sidecars of downloads that an earlier run of THÉRÈSE did not finish.</summary>
    public IEnumerable<string> Sidecars() =>
        Directory.Exists(Path) ? Directory.EnumerateFiles(Path, "*" + SidecarSuffix) : [];
}
