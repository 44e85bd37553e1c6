namespace Therese.Server.Web;

public static class WebExtensions
{
    /// <summary>
    /// Serves the built front end (web/ builds into wwwroot), and the page (<see cref="FirstScreen"/>) at
    /// `/` and at the app's own addresses such as /c/{id}. Its headers come from <see cref="WebSecurity.UseWebSecurity"/>.
    /// </summary>
    public static WebApplication MapFrontEnd(this WebApplication app)
    {
        // An unknown API address is an API error, never the page.
        app.Map("/api/{**rest}", () => Problems.NotFound("Cette adresse de l’API n’existe pas."))
            .WithName("UnknownApi").ExcludeFromDescription();
        app.UsePrecompressedFiles(app.Environment);
        app.UseStaticFiles(PrecompressedFiles.Options());
        app.MapGet("/", FirstScreen.PageAsync).WithName("Page").ExcludeFromDescription();
        app.MapGet("/index.html", FirstScreen.PageAsync).ExcludeFromDescription();
        app.MapFallback("{*path:nonfile}", FirstScreen.PageAsync).ExcludeFromDescription();
        return app;
    }
}
