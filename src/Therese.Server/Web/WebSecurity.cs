using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Therese.Server.Web;

/// <summary>
/// What stands between THÉRÈSE and the network: request limits, page headers, the same-origin rule for
/// changes, and the access token. The Host header is checked before all this by ASP.NET Core's host
/// filtering (AllowedHosts); where THÉRÈSE may listen is checked before it starts (<see cref="Listening"/>).
/// </summary>
public static class WebSecurity
{
    public static IHostApplicationBuilder AddWebSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>().Bind(builder.Configuration.GetSection(LimitsOptions.Section))
            .Validate(o => o.Invalid() is null, "Therese:Limits has an invalid value: each limit must be a positive number.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => AccessToken.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<AccessTokenApi.Attempts>();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
        {
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxBodyBytes;
            // Room for one over-long header, so that THÉRÈSE itself answers it (431 problem+json) rather than Kestrel (an empty 431).
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(kestrel.Limits.MaxRequestHeadersTotalSize, 4 * limits.Value.MaxHeaderBytes);
        });
        return builder;
    }

    public static WebApplication UseWebSecurity(this WebApplication app)
    {
        var limits = app.Services.GetRequiredService<IOptions<LimitsOptions>>().Value;
        var token = app.Services.GetRequiredService<AccessToken>();
        app.Use(async (context, next) =>
        {
            AddPageHeaders(context.Response.Headers);
            if (OverlongHeader(context.Request, limits.MaxHeaderBytes) is { } name)
            {
                await Problems.Create(StatusCodes.Status431RequestHeaderFieldsTooLarge, "header_too_large",
                    $"L’en-tête {name} de la requête est trop long : {FrenchText.Size(limits.MaxHeaderBytes)} au plus.").ExecuteAsync(context);
                return;
            }
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                if (!SameOriginGuard.Allows(context.Request))
                {
                    await SameOriginGuard.Refused().ExecuteAsync(context);
                    return;
                }
                if (AccessRefusal(context, token) is { } refusal)
                {
                    if (refusal.StatusCode == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
                    await refusal.ExecuteAsync(context);
                    return;
                }
            }
            await next();
        });
        return app;
    }

    /// <summary>
    /// Model text is hostile: no inline script and no foreign origin, even if some markup slipped through the
    /// renderer; no framing; no sensor.
    /// </summary>
    private static void AddPageHeaders(IHeaderDictionary headers)
    {
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    }

    private static string? OverlongHeader(HttpRequest request, int max)
    {
        foreach (var (name, values) in request.Headers)
            foreach (var value in values)
                if (name.Length + (value?.Length ?? 0) > max) return name.Length <= 40 ? name : name[..40] + "…";
        return null;
    }

    /// <summary>Whether this request would be let through to the API (the page inlines API answers only then).</summary>
    public static bool AdmitsApi(HttpContext context, AccessToken token) => AccessRefusal(context, token) is null;

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? AccessRefusal(HttpContext context, AccessToken token)
    {
        if (!token.Configured)
        {
            return AccessToken.IsLocal(context.Connection) ? null : Problems.Create(StatusCodes.Status403Forbidden, "local_only",
                "Sans jeton d’accès, THÉRÈSE n’accepte que les connexions venant de cet ordinateur.");
        }
        if (AccessTokenApi.IsTokenEndpoint(context.Request) || token.Admits(context.Request)) return null;
        return AccessTokenApi.TokenRequired();
    }
}
