using Microsoft.AspNetCore.Http.HttpResults;
using Therese.Server.Llm;

namespace Therese.Server;

/// <summary>problem+json answers: a French detail for the user and a stable code for programs.</summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string detail) =>
        TypedResults.Problem(
            detail: detail,
            statusCode: status,
            title: code,
            extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult BadRequest(string code, string detail) => Create(StatusCodes.Status400BadRequest, code, detail);

    public static ProblemHttpResult NotFound(string detail = "Cette conversation n’existe pas ou a été supprimée.") =>
        Create(StatusCodes.Status404NotFound, "not_found", detail);

    public static ProblemHttpResult UnsupportedMediaType() => Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
        "La requête doit être envoyée en JSON (Content-Type: application/json).");

    public static ProblemHttpResult ContentTooLong(int maxLength) => Create(StatusCodes.Status413PayloadTooLarge, "content_too_long",
        $"Le message est trop long : {FrenchText.Number(maxLength)} caractères au plus.");

    public static ProblemHttpResult BodyTooLarge(long? maxBytes) => Create(StatusCodes.Status413PayloadTooLarge, "body_too_large",
        maxBytes is { } max ? $"La requête est trop volumineuse : {FrenchText.Size(max)} au plus." : "La requête est trop volumineuse.");

    public static ProblemHttpResult From(ProviderError error) => Create(error.HttpStatus, error.Code, error.Message);

    /// <summary>
    /// Problems the framework writes by itself (a route parameter that does not bind, a method not allowed,
    /// an unexpected exception) get a code and a French detail too, like THÉRÈSE's own.
    /// </summary>
    public static IServiceCollection AddFrenchProblems(this IServiceCollection services) =>
        services.AddExceptionHandler<Web.UnavailableHandler>().AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Extensions.ContainsKey("code")) return;
            var (code, detail) = problem.Status switch
            {
                StatusCodes.Status400BadRequest => ("invalid_request", "La requête est mal formée."),
                StatusCodes.Status404NotFound => ("not_found", "Cette adresse n’existe pas."),
                StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", "Cette adresse n’accepte pas cette méthode."),
                StatusCodes.Status413PayloadTooLarge => ("body_too_large", "La requête est trop volumineuse."),
                StatusCodes.Status415UnsupportedMediaType => ("unsupported_media_type", "La requête doit être envoyée en JSON (Content-Type: application/json)."),
                >= 500 => ("internal", "THÉRÈSE a rencontré une erreur inattendue. Réessayez ; si cela se reproduit, consultez son journal."),
                _ => ("http_error", "La requête n’a pas pu être traitée."),
            };
            problem.Extensions["code"] = code;
            problem.Title = code;
            problem.Detail = detail;
        });
}
