using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Therese.Server;

/// <summary>
/// Reads a JSON request body, answering problem+json instead of throwing on bad input: a wrong content
/// type, a body over Therese:Limits:MaxBodyBytes (Kestrel's limit), malformed JSON, invalid UTF-8, too
/// deep a nesting, an unknown field or a field of the wrong type.
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest http, JsonSerializerOptions json) where T : class
    {
        if (!http.HasJsonContentType())
            return (null, Problems.UnsupportedMediaType());

        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(http.Body, json, http.HttpContext.RequestAborted);
            return body is null
                ? (null, Problems.BadRequest("invalid_json", "La requête doit être un objet JSON."))
                : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.BadRequest("invalid_json", InvalidJson(ex)));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.BodyTooLarge(MaxBytes(http)));
        }
    }

    private static long? MaxBytes(HttpRequest http) => http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;

    /// <summary>What is wrong, naming the field when the JSON is well formed but does not fit.</summary>
    private static string InvalidJson(JsonException ex)
    {
        var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal)
            ? FrenchText.Quote(path.Length > 42 ? path[2..42] + "…" : path[2..])
            : null;
        return ex.InnerException switch
        {
            // Truncated, a stray character, nested too deep.
            JsonException => "La requête n’est pas un JSON valide.",
            InvalidOperationException io when io.Message.Contains("UTF", StringComparison.Ordinal) => field is null
                ? "La requête contient un texte qui n’est pas de l’Unicode valide."
                : $"Le champ {field} contient un texte qui n’est pas de l’Unicode valide.",
            InvalidOperationException when field is not null => $"Le champ {field} n’a pas le bon type.",
            null when field is not null => $"Le champ {field} est inconnu ou répété.",
            _ when ex.Path == "$" => "La requête doit être un objet JSON.",
            _ => "La requête n’est pas un JSON valide.",
        };
    }
}
