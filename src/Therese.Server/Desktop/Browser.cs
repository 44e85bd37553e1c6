using System.ComponentModel;
using System.Diagnostics;

namespace Therese.Server.Desktop;

/// <summary>Opens the person's default browser: xdg-open on Linux, open on macOS, the shell on Windows.</summary>
internal static class Browser
{
    /// <summary>Opens <paramref name="url"/> when asked to and possible, and says in French what happened.</summary>
    public static string Announce(string url, bool open)
    {
        if (!open) return $"Ouvrez {url} dans votre navigateur (ouverture automatique désactivée par --no-browser).";
        return Open(url) is { } why
            ? $"{why}\u00a0: ouvrez {url} dans un navigateur de cet ordinateur."
            : "Le navigateur s’ouvre sur cette adresse.";
    }

    /// <summary>Asks the system to open the address; null when it was asked, else why not (French).</summary>
    public static string? Open(string url)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Process.Start(new ProcessStartInfo(url) { UseShellExecute = true })?.Dispose();
                return null;
            }
            if (OperatingSystem.IsMacOS())
            {
                Start("/usr/bin/open", [url]);
                return null;
            }
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY"))
                && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
                return "Pas d’écran sur cette session (ni DISPLAY ni WAYLAND_DISPLAY), le navigateur ne s’ouvre pas";
            if (FindOnPath("xdg-open") is not { } xdgOpen)
                return "xdg-open est introuvable, le navigateur ne s’ouvre pas";
            // A browser started from here must not share THÉRÈSE's session: Ctrl+C in this window would close it too.
            if (FindOnPath("setsid") is { } setsid) Start(setsid, [xdgOpen, url]);
            else Start(xdgOpen, [url]);
            return null;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            return $"Le navigateur n’a pas pu être ouvert ({ex.Message})";
        }
    }

    private static void Start(string file, string[] args)
    {
        var start = new ProcessStartInfo(file, args)
        {
            UseShellExecute = false,
            // What the browser prints has nothing to do in THÉRÈSE's window.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(File.Exists);
}
