namespace Therese.Server.Web;

public static class WebExtensions
{
    /// <summary>
    /// Serves the built front end (web/ builds into wwwroot) with strict security headers,
    /// and falls back to index.html for the app's own addresses such as /c/{id}.
    /// </summary>
    public static WebApplication MapFrontEnd(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            // Model text is hostile: no inline script, no foreign origin, even if some markup slipped through.
            headers.ContentSecurityPolicy =
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
                "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
            await next();
        });
        // An unknown API address is an API error, never the page.
        app.Map("/api/{**rest}", () => Problems.NotFound("Cette adresse de l'API n'existe pas."))
            .WithName("UnknownApi").ExcludeFromDescription();
        app.UseDefaultFiles();
        app.UsePrecompressedFiles(app.Environment);
        app.UseStaticFiles(PrecompressedFiles.Options());
        app.MapFallbackToFile("index.html", PrecompressedFiles.Options());
        return app;
    }
}
