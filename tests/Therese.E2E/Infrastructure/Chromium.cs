namespace Therese.E2E.Infrastructure;

/// <summary>Finds the machine's Chromium (the Debian package), the only browser these tests use.</summary>
public static class Chromium
{
    public const string NotFound =
        "Chromium not found: install the Debian package chromium (apt-get install -y chromium) or set THERESE_CHROMIUM";

    public static readonly string[] Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>The executable path; throws (the tests fail, they never skip) when there is none.</summary>
    public static string Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("THERESE_CHROMIUM");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            if (File.Exists(fromEnv)) return fromEnv;
            throw new InvalidOperationException($"{NotFound} (THERESE_CHROMIUM={fromEnv} does not exist)");
        }
        const string debian = "/usr/bin/chromium";
        if (File.Exists(debian)) return debian;
        throw new InvalidOperationException(NotFound);
    }
}
