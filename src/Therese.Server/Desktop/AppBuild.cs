using System.Reflection;

namespace Therese.Server.Desktop;

/// <summary>Which THÉRÈSE this is: its version, and whether it is the installable app or a developer's build.</summary>
public static class AppBuild
{
    private static readonly Assembly Self = typeof(AppBuild).Assembly;

    /// <summary>
    /// True in the archives of scripts/publish.sh (built with -p:ThereseApp=true). Only that build opens a browser and
    /// moves to a free port: `dotnet run`, the tests and the benchmark start the server many times and must do neither.
    /// </summary>
    public static bool IsInstalledApp { get; } = Self.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Any(a => a.Key == "Therese.App" && a.Value == "true");

    /// <summary>The Version of Directory.Build.props, without the commit the SDK appends after '+'.</summary>
    public static string Version { get; } =
        (Self.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? Self.GetName().Version?.ToString() ?? "?")
        .Split('+')[0];

    /// <summary>The commit it was built from, when the SDK knew it (12 characters), else null.</summary>
    public static string? Commit { get; } =
        Self.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+') is [_, var commit, ..]
            ? commit[..Math.Min(12, commit.Length)]
            : null;
}
