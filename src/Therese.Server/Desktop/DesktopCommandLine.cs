namespace Therese.Server.Desktop;

/// <summary>
/// The switches a person types, read before ASP.NET Core sees the command line (it would take a bare
/// <c>--no-browser</c> for a key waiting for its value).
/// </summary>
public static class DesktopCommandLine
{
    /// <summary>
    /// <c>--version</c> prints the version and ends (its exit code is returned); <c>--no-browser</c> becomes the setting
    /// <c>Therese:Desktop:OpenBrowser=false</c>. Returns null when THÉRÈSE should start.
    /// </summary>
    public static int? Handle(ref string[] args)
    {
        if (args.Any(a => a is "--version" or "-v" or "/version"))
        {
            Console.Out.WriteLine($"THÉRÈSE {AppBuild.Version}{(AppBuild.Commit is { } c ? $" ({c})" : "")}");
            return 0;
        }
        args = [.. args.Select(a => a == "--no-browser" ? $"--{DesktopOptions.OpenBrowserKey}=false" : a)];
        return null;
    }
}
