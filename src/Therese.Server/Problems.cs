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

    public static ProblemHttpResult NotFound(string detail = "Cette conversation n'existe pas ou a été supprimée.") =>
        Create(StatusCodes.Status404NotFound, "not_found", detail);

    public static ProblemHttpResult UnsupportedMediaType() => Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
        "La requête doit être envoyée en JSON (Content-Type: application/json).");

    public static ProblemHttpResult ContentTooLong() => Create(StatusCodes.Status413PayloadTooLarge, "content_too_long",
        "Le message est trop long : 100\u202f000 caractères au plus.");

    public static ProblemHttpResult From(ProviderError error) => Create(error.HttpStatus, error.Code, error.Message);
}
