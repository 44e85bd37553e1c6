namespace Therese.Server.Desktop;

/// <summary>
/// Therese:Desktop:Enabled (default: true in the installable app only) and Therese:Desktop:OpenBrowser (default true;
/// <c>--no-browser</c> sets it to false).
/// </summary>
public sealed record DesktopOptions(bool Enabled, bool OpenBrowser)
{
    public const string EnabledKey = "Therese:Desktop:Enabled";
    public const string OpenBrowserKey = "Therese:Desktop:OpenBrowser";

    public static DesktopOptions From(IConfiguration config) => new(
        Flag(config[EnabledKey]) ?? AppBuild.IsInstalledApp,
        Flag(config[OpenBrowserKey]) ?? true);

    private static bool? Flag(string? value) => bool.TryParse(value?.Trim(), out var flag) ? flag : null;
}
