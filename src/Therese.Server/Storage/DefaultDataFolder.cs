namespace Therese.Server.Storage;

/// <summary>
/// Where THÉRÈSE keeps its data when Therese:DataDir is not set: where each platform's applications keep theirs
/// (%LOCALAPPDATA%\THERESE, ~/Library/Application Support/THERESE, $XDG_DATA_HOME/therese or ~/.local/share/therese).
/// A ~/.therese folder, where every THÉRÈSE before the installable app kept its data, stays in use, so that
/// nobody loses a conversation.
/// </summary>
public static class DefaultDataFolder
{
    public const string Legacy = ".therese";

    public static string Path(string home) => Path(home, OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macos" : "linux",
        Environment.GetEnvironmentVariable("XDG_DATA_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData));

    /// <param name="platform">windows, macos or linux.</param>
    internal static string Path(string home, string platform, string? xdgDataHome, string? localAppData)
    {
        var legacy = System.IO.Path.Combine(home, Legacy);
        if (Directory.Exists(legacy)) return legacy;
        return platform switch
        {
            "windows" when !string.IsNullOrEmpty(localAppData) => System.IO.Path.Combine(localAppData, "THERESE"),
            "macos" => System.IO.Path.Combine(home, "Library", "Application Support", "THERESE"),
            // The XDG spec: a relative $XDG_DATA_HOME is invalid and must be ignored.
            "linux" when !string.IsNullOrEmpty(xdgDataHome) && System.IO.Path.IsPathRooted(xdgDataHome) => System.IO.Path.Combine(xdgDataHome, "therese"),
            "linux" => System.IO.Path.Combine(home, ".local", "share", "therese"),
            _ => legacy,
        };
    }
}
