using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Therese.Server;

/// <summary>Reads a JSON request body, answering problem+json instead of throwing on bad input.</summary>
public static class JsonBody
{
    private const long MaxBodyBytes = 1024 * 1024;

    public static async Task<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest http, JsonSerializerOptions json) where T : class
    {
        if (!http.HasJsonContentType())
            return (null, Problems.UnsupportedMediaType());

        if (http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxBodyBytes;

        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(http.Body, json, http.HttpContext.RequestAborted);
            return body is null
                ? (null, Problems.BadRequest("invalid_json", "La requête doit être un objet JSON."))
                : (body, null);
        }
        catch (JsonException)
        {
            return (null, Problems.BadRequest("invalid_json", "La requête n'est pas un JSON valide."));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.ContentTooLong());
        }
    }
}
