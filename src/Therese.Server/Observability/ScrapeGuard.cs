using Microsoft.AspNetCore.Http.HttpResults;
using Therese.Server.Web;

namespace Therese.Server.Observability;

/// <summary>
/// Who may read /metrics: a connection from this machine, made directly. The metrics hold no text and no key, but
/// they tell how busy THÉRÈSE is, which models it uses and which errors it meets: nothing for the network. A request
/// that came through a reverse proxy (it says so with X-Forwarded-For, or Forwarded) may come from anywhere and is
/// refused, even though the proxy itself connects from this machine. A scraper on another machine reads OTLP instead,
/// or scrapes through an agent on this one.
/// </summary>
public static class ScrapeGuard
{
    public static bool Admits(HttpContext http) =>
        AccessToken.IsLocal(http.Connection)
        // ForwardedHeadersMiddleware moves X-Forwarded-For to X-Original-For once it has believed it.
        && !http.Request.Headers.ContainsKey("X-Forwarded-For")
        && !http.Request.Headers.ContainsKey("X-Original-For")
        && !http.Request.Headers.ContainsKey("Forwarded");

    public static ProblemHttpResult Refused() => Problems.Create(StatusCodes.Status403Forbidden, "metrics_local_only",
        "Les métriques ne sont servies qu’aux connexions directes venant de l’ordinateur où THÉRÈSE tourne.");
}
