using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Therese.Server.Web;

public static class AccessTokenApi
{
    private const string TokenPath = "/api/auth/token";

    public static IEndpointRouteBuilder MapAccessTokenApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, Prove).WithTags("Auth").WithName("ProveAccessToken")
            .WithSummary("Checks the access token and sets the cookie that carries it (HttpOnly, SameSite=Strict, Secure over HTTPS).");
        return app;
    }

    public sealed record TokenBody(string? Token);

    /// <summary>The one /api address that needs no token: the page proves it here.</summary>
    public static bool IsTokenEndpoint(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals(TokenPath, StringComparison.OrdinalIgnoreCase);

    public static ProblemHttpResult TokenRequired() => Problems.Create(StatusCodes.Status401Unauthorized, "token_required",
        "THÉRÈSE demande un jeton d'accès. Saisissez celui que l'administrateur a configuré.");

    private static async Task<Results<NoContent, ProblemHttpResult>> Prove(HttpContext http, AccessToken token, IOptions<JsonOptions> json)
    {
        if (!token.Configured)
            return Problems.NotFound("THÉRÈSE ne demande pas de jeton d'accès : il n'y a rien à saisir.");
        var (body, problem) = await JsonBody.ReadAsync<TokenBody>(http.Request, json.Value.SerializerOptions);
        if (body is null) return problem!;
        if (!token.Matches(body.Token?.Trim()))
            return Problems.Create(StatusCodes.Status401Unauthorized, "token_invalid",
                "Ce jeton d'accès n'est pas le bon. Vérifiez-le auprès de l'administrateur, puis réessayez.");
        token.SetCookie(http);
        return TypedResults.NoContent();
    }
}
