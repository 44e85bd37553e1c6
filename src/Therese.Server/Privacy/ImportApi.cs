using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Therese.Server.Accounts;

namespace Therese.Server.Privacy;

/// <summary>POST /api/import (multipart, one <c>file</c> field): THÉRÈSE exports and ChatGPT's conversations.json.</summary>
public static class ImportApi
{
    public static IEndpointRouteBuilder MapImportApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/import", Import).WithTags("My data").WithName("Import")
            .WithSummary("Imports a THÉRÈSE export (one conversation, or a « Mes données » zip) or ChatGPT's conversations.json, all or nothing.");
        return app;
    }

    public sealed record ImportAnswer(int Imported, int Skipped, IReadOnlyList<string> Conversations, int PartsLeftOut);

    private static async Task<IResult> Import(HttpContext http, ConversationImporter importer, IOptions<ImportOptions> options, CurrentUser user, CancellationToken ct)
    {
        var max = options.Value.MaxFileBytes;
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "Envoyez le fichier en multipart/form-data, dans un champ nommé « file ».");
        // The file may be far larger than an ordinary request (Therese:Limits:MaxBodyBytes); the form's own parts are small.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = max + 64 * 1024;

        using var file = new MemoryStream();
        try
        {
            var reader = new MultipartReader(boundary, http.Request.Body);
            var found = false;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal) || found) continue;
                found = true;
                var buffer = new byte[81920];
                int read;
                while ((read = await section.Body.ReadAsync(buffer, ct)) > 0)
                {
                    if (file.Length + read > max) return TooLarge(max);
                    file.Write(buffer, 0, read);
                }
            }
            if (!found) return Problems.BadRequest("invalid_request", "Joignez le fichier à importer dans un champ nommé « file ».");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(max);
        }
        catch (IOException) when (!ct.IsCancellationRequested)
        {
            return Problems.BadRequest("invalid_request", "Le formulaire envoyé est incomplet ou mal formé.");
        }
        catch (InvalidDataException)
        {
            return Problems.BadRequest("invalid_request", "Le formulaire envoyé est incomplet ou mal formé.");
        }
        if (file.Length == 0) return Problems.BadRequest("invalid_import", "Le fichier est vide.");

        file.Position = 0;
        try
        {
            var result = await importer.ImportAsync(file, user.OwnerId, ct);
            return TypedResults.Ok(new ImportAnswer(result.Imported, result.Skipped, result.Conversations, result.PartsLeftOut));
        }
        catch (ImportException ex)
        {
            return Problems.Create(ex.Status, ex.Code, ex.Message);
        }
    }

    private static IResult TooLarge(long max) => Problems.Create(StatusCodes.Status413PayloadTooLarge, "body_too_large",
        $"Le fichier est trop volumineux pour être importé : {FrenchText.Size(max)} au plus.");
}
