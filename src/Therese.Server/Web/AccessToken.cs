using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Therese.Server.Web;

/// <summary>
/// The access token an administrator sets (Therese:AccessToken) to use THÉRÈSE from other machines.
/// A browser proves it once (POST /api/auth/token) and then carries a cookie; a script may send
/// <c>Authorization: Bearer &lt;token&gt;</c>. Every comparison is constant-time, over SHA-256 digests,
/// so neither the length nor the first differing byte leaks.
/// </summary>
public sealed class AccessToken
{
    public const string Setting = "Therese:AccessToken";
    public const string CookieName = "therese_access";
    public const int MinLength = 16;

    private readonly byte[]? _tokenDigest;
    private readonly byte[]? _cookieDigest;

    /// <summary>What the cookie carries: derived from the token, so the token itself never sits in the browser.</summary>
    public string? CookieValue { get; }

    private AccessToken(string? token)
    {
        if (token is null) return;
        _tokenDigest = Digest(token);
        CookieValue = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("therese-cookie\n" + token)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _cookieDigest = Digest(CookieValue);
    }

    public static AccessToken From(IConfiguration config) =>
        new(string.IsNullOrWhiteSpace(config[Setting]) ? null : config[Setting]!.Trim());

    public bool Configured => _tokenDigest is not null;

    /// <summary>The token as the user typed it or a script sent it.</summary>
    public bool Matches(string? token) => Configured && token is not null && CryptographicOperations.FixedTimeEquals(Digest(token), _tokenDigest);

    /// <summary>A request proves the token with the cookie, or with an Authorization: Bearer header.</summary>
    public bool Admits(HttpRequest request)
    {
        if (!Configured) return true;
        if (request.Cookies[CookieName] is { } cookie && CryptographicOperations.FixedTimeEquals(Digest(cookie), _cookieDigest))
            return true;
        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && Matches(auth[7..].Trim());
    }

    /// <summary>HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure over HTTPS.</summary>
    public void SetCookie(HttpContext http) =>
        http.Response.Cookies.Append(CookieName, CookieValue!, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            IsEssential = true,
            MaxAge = TimeSpan.FromDays(30),
        });

    private static byte[] Digest(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    /// <summary>Without a token, only this machine may connect, whatever address the server ended up on.</summary>
    public static bool IsLocal(ConnectionInfo connection)
    {
        if (connection.RemoteIpAddress is not { } remote) return true;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        return IPAddress.IsLoopback(remote) || (connection.LocalIpAddress is { } local && remote.Equals(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local));
    }
}
