using System.Net;
using System.Net.Sockets;
using Therese.Server.Web;

namespace Therese.Server.Desktop;

/// <summary>
/// How the installable app starts, as a person double-clicking it expects: on its usual address, or on the THÉRÈSE
/// already running there (the browser opens on it and this launch ends), or, when another program holds the port,
/// on the next free one, saying which. A developer's build (`dotnet run`, tests, benchmark) skips all of it.
/// </summary>
public static class DesktopLaunch
{
    /// <summary>Ports tried from the configured one upwards before giving up.</summary>
    internal const int PortsTried = 20;

    /// <summary>
    /// Chooses the address and registers the welcome (French lines, browser). Returns the exit code when this launch
    /// ends here: another THÉRÈSE already serves (0), or no port is free (1); null when THÉRÈSE should start.
    /// </summary>
    public static async Task<int?> PrepareDesktopLaunchAsync(this WebApplicationBuilder builder)
    {
        var options = DesktopOptions.From(builder.Configuration);
        if (!options.Enabled) return null;
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<DesktopWelcome>();
        // The welcome says in French where THÉRÈSE listens; the host's English lines would only repeat it. Data Protection
        // warns at the first start that the key ring is not encrypted at rest: it lives in the owner-only data folder, by design.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

        // Only the plain case is THÉRÈSE's to move: one http address on this machine, with its port. Anything an
        // administrator set up otherwise (several addresses, HTTPS, another interface) starts as configured.
        var urls = Listening.ConfiguredUrls(builder.Configuration);
        if (urls.Count != 1 || LoopbackAddress.Parse(urls[0]) is not { } wanted) return null;

        var found = await FindAsync(wanted);
        switch (found)
        {
            case { Running: { } running }:
                Console.Out.WriteLine($"THÉRÈSE est déjà ouverte à l’adresse {running}");
                Console.Out.WriteLine(Browser.Announce(running.Url, options.OpenBrowser));
                return 0;
            case { Free: { } free } when free.Port != wanted.Port:
                Console.Out.WriteLine($"Le port {wanted.Port} est occupé par un autre programme\u00a0: THÉRÈSE prend le port {free.Port}.");
                builder.WebHost.UseUrls(free.Url);
                return null;
            case { Free: not null }:
                return null;
            default:
                Console.Error.WriteLine($"THÉRÈSE ne démarre pas\u00a0: les ports {wanted.Port} à {wanted.Port + PortsTried - 1} sont tous occupés par d’autres programmes. "
                    + $"Fermez-en un, ou choisissez un autre port (par exemple --urls http://127.0.0.1:18000).");
                return 1;
        }
    }

    /// <summary>From the wanted port upwards: the first free port, or the first that a THÉRÈSE answers on.</summary>
    internal static async Task<(LoopbackAddress? Free, LoopbackAddress? Running)> FindAsync(LoopbackAddress wanted)
    {
        for (var port = wanted.Port; port < wanted.Port + PortsTried && port <= IPEndPoint.MaxPort; port++)
        {
            var candidate = wanted with { Port = port };
            if (candidate.IsFree()) return (candidate, null);
            if (await candidate.IsThereseAsync()) return (null, candidate);
        }
        return (null, null);
    }
}

/// <summary>An http address on this machine with an explicit port, as Kestrel is told to listen on it.</summary>
internal sealed record LoopbackAddress(string Host, IPAddress Ip, int Port)
{
    public string Url => $"http://{Host}:{Port}";

    public override string ToString() => Url;

    public static LoopbackAddress? Parse(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return null;
        }
        if (address.Scheme != "http" || address.Port <= 0 || address.IsNamedPipe || address.IsUnixPipe) return null;
        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase)) return new(address.Host, IPAddress.Loopback, address.Port);
        return IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip) ? new(address.Host, ip, address.Port) : null;
    }

    /// <summary>Whether nothing listens there: a socket of our own can take the port (and gives it back at once).</summary>
    public bool IsFree()
    {
        try
        {
            using var socket = new Socket(Ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            // On Windows a port can otherwise be shared by two sockets; Kestrel would then fail on it.
            if (OperatingSystem.IsWindows()) socket.ExclusiveAddressUse = true;
            socket.Bind(new IPEndPoint(Ip, Port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Whether the page served there is THÉRÈSE's (its title); anything else holding the port is another program.</summary>
    public async Task<bool> IsThereseAsync()
    {
        // No proxy: a proxy set for the Internet must not answer for this machine.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var page = await http.GetStringAsync(Url + "/");
            return page.Contains("<title>THÉRÈSE</title>", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            return false;
        }
    }
}
