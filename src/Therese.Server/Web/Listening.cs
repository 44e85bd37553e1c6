using System.Net;

namespace Therese.Server.Web;

/// <summary>
/// Where THÉRÈSE may listen. It holds API keys and conversations, so it listens on this machine only
/// (127.0.0.1 by default) unless an access token protects it: any other address without
/// Therese:AccessToken stops the start, with the reason in English and French.
/// </summary>
public static class Listening
{
    /// <summary>
    /// The addresses Kestrel will listen on, in its own order of precedence: endpoints under Kestrel:Endpoints,
    /// else <c>urls</c> (appsettings.json, --urls, ASPNETCORE_URLS), else <c>http_ports</c>/<c>https_ports</c>
    /// (which bind every interface), else its default, localhost.
    /// </summary>
    public static IReadOnlyList<string> ConfiguredUrls(IConfiguration config)
    {
        var endpoints = config.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"]?.Trim()).OfType<string>().Where(u => u.Length > 0).ToList();
        if (endpoints.Count > 0) return endpoints;
        var urls = Split(config["urls"]).ToList();
        if (urls.Count > 0) return urls;
        var ports = Split(config["http_ports"]).Select(p => $"http://*:{p}")
            .Concat(Split(config["https_ports"]).Select(p => $"https://*:{p}")).ToList();
        return ports.Count > 0 ? ports : ["http://localhost:5000"];
    }

    /// <summary>True for this machine only: localhost, a loopback IP, or a Unix socket.</summary>
    public static bool IsLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }
        if (address.IsNamedPipe || address.IsUnixPipe) return true;
        var host = address.Host;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
    }

    /// <summary>Why THÉRÈSE must not start with this configuration (English, then French), or null.</summary>
    public static string? Refusal(IConfiguration config)
    {
        var token = config[AccessToken.Setting];
        if (!string.IsNullOrWhiteSpace(token))
        {
            return token.Trim().Length >= AccessToken.MinLength ? null :
                $"THÉRÈSE will not start: {AccessToken.Setting} is shorter than {AccessToken.MinLength} characters, too easy to guess. "
                + "Use a long random one, for example from `openssl rand -hex 32`.\n"
                + $"THÉRÈSE ne démarre pas : {AccessToken.Setting} fait moins de {AccessToken.MinLength} caractères, il serait trop facile à deviner. "
                + "Choisissez-en un long et aléatoire, par exemple avec `openssl rand -hex 32`.";
        }
        // Team mode: every /api call needs a signed-in person, which protects the network address instead of a token.
        if (string.Equals(config["Therese:Mode"]?.Trim(), "team", StringComparison.OrdinalIgnoreCase)) return null;
        var exposed = ConfiguredUrls(config).Where(u => !IsLoopback(u)).Distinct().ToList();
        if (exposed.Count == 0) return null;
        var where = string.Join(", ", exposed);
        return $"THÉRÈSE will not listen on {where} without an access token: anyone who can reach that address could read "
            + $"the conversations and use the API keys. Set {AccessToken.Setting} (at least {AccessToken.MinLength} characters, "
            + "for example from `openssl rand -hex 32`), or listen on 127.0.0.1 only.\n"
            + $"THÉRÈSE refuse d’écouter sur {where} sans jeton d’accès : quiconque peut joindre cette adresse pourrait lire "
            + $"les conversations et utiliser les clés d’API. Définissez {AccessToken.Setting} ({AccessToken.MinLength} caractères au moins, "
            + "par exemple avec `openssl rand -hex 32`), ou n’écoutez que sur 127.0.0.1.";
    }

    /// <summary>Says on stderr why THÉRÈSE must not start with this configuration; true when it must not.</summary>
    public static bool RefusesToListen(this WebApplication app)
    {
        if (Refusal(app.Configuration) is not { } why) return false;
        Console.Error.WriteLine(why);
        return true;
    }

    private static IEnumerable<string> Split(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
