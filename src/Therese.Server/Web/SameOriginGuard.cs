namespace Therese.Server.Web;

/// <summary>
/// Refuses a request that changes something (POST, PUT, PATCH, DELETE on /api) when the browser says it
/// comes from another origin: <c>Origin</c>, or when that is absent, <c>Sec-Fetch-Site</c>. "same-site" is
/// refused too, since another app on localhost:3000 is the same site as THÉRÈSE. A request that carries
/// neither header comes from a program (curl, a script), not from a page a user visits, and passes.
/// THÉRÈSE never sends CORS headers, so no other site can read its answers either.
/// </summary>
public static class SameOriginGuard
{
    public static bool Allows(HttpRequest request)
    {
        if (!ChangesState(request.Method)) return true;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0) return IsSameOrigin(origin, request);
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site.Length == 0 || site is "same-origin" or "none";
    }

    private static bool ChangesState(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    /// <summary>Scheme, host and port of the Origin header are those the request was sent to ("null" never is).</summary>
    private static bool IsSameOrigin(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from) || from.Scheme is not ("http" or "https")) return false;
        if (!string.Equals(from.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        if (!request.Host.HasValue || !Uri.TryCreate($"{request.Scheme}://{request.Host.Value}", UriKind.Absolute, out var to)) return false;
        return string.Equals(from.IdnHost, to.IdnHost, StringComparison.OrdinalIgnoreCase) && from.Port == to.Port;
    }

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refused() =>
        Problems.Create(StatusCodes.Status403Forbidden, "cross_origin",
            "Cette demande vient d’un autre site que THÉRÈSE : elle est refusée. Utilisez THÉRÈSE depuis sa propre page.");
}
