using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Therese.Server.Accounts;
using Therese.Server.Attachments.Prompt;
using Therese.Server.Attachments.Reading;
using Therese.Server.Llm;
using Therese.Server.Storage;

namespace Therese.Server.Attachments;

public static class AttachmentsApi
{
    /// <summary>What multipart framing may add to a file (boundaries, part headers).</summary>
    private const long FormOverhead = 64 * 1024;

    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/attachments").WithTags("Attachments");
        api.MapPost("/", Upload).WithName("UploadAttachment").WithSummary("Stores and reads a file (multipart/form-data, field file).");
        api.MapGet("/{id}", Get).WithName("GetAttachment").WithSummary("An attachment's metadata.");
        api.MapGet("/{id}/content", Content).WithName("GetAttachmentContent").WithSummary("The file as it was sent.");
        api.MapGet("/{id}/preview", Preview).WithName("GetAttachmentPreview").WithSummary("An image as models see it (1,568 px at most).");
        api.MapDelete("/{id}", Delete).WithName("DeleteAttachment").WithSummary("Forgets an attachment no message carries yet.");
        return app;
    }

    /// <param name="Chars">Characters of text read (0 for an image).</param>
    /// <param name="Truncated">The model in force would not get all of it (too long for its context, alone).</param>
    /// <param name="Warning">What the person should know, in French (« tronqué à la page 42 », a scanned PDF…).</param>
    public sealed record AttachmentView(
        string Id, string Name, string MediaType, long Size, string Kind,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Pages,
        int Chars, bool Truncated,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Warning);

    private static readonly IResult NotFound = Problems.NotFound("Cette pièce jointe n’existe pas ou a été supprimée.");

    private static async Task<IResult> Upload(HttpContext http, AttachmentStore store, IOptions<AttachmentsOptions> options, ChatModels models,
        ModelContexts contexts, CurrentUser user, ILogger<AttachmentStore> logger, CancellationToken ct)
    {
        var max = options.Value.MaxBytes;
        // This route alone takes bodies larger than Therese:Limits:MaxBodyBytes: files up to Therese:Attachments:MaxBytes.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = max + FormOverhead;
        if (http.Request.ContentLength > max + FormOverhead) return TooLarge(max);
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "Envoyez le fichier en multipart/form-data, dans un champ nommé file.");

        byte[]? bytes = null;
        string? name = null;
        try
        {
            var reader = new MultipartReader(boundary, http.Request.Body) { HeadersLengthLimit = 16 * 1024 };
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.IsFileDisposition() || !string.Equals(disposition.Name.Value, "file", StringComparison.Ordinal))
                {
                    await section.Body.CopyToAsync(Stream.Null, ct);
                    continue;
                }
                if (bytes is not null) return Problems.BadRequest("invalid_request", "Envoyez un seul fichier à la fois.");
                name = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : disposition.FileName.Value;
                bytes = await ReadCappedAsync(section.Body, max, ct);
                if (bytes is null) return TooLarge(max);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(max);
        }
        catch (IOException ex) when (ex is not EndOfStreamException || !ct.IsCancellationRequested)
        {
            return Problems.BadRequest("invalid_request", "Le formulaire envoyé est mal formé ou incomplet.");
        }
        catch (InvalidDataException)
        {
            return Problems.BadRequest("invalid_request", "Le formulaire envoyé est mal formé ou incomplet.");
        }
        if (bytes is null) return Problems.BadRequest("invalid_request", "Aucun fichier reçu : envoyez-le dans un champ nommé file.");
        if (bytes.Length == 0) return Problems.Create(StatusCodes.Status422UnprocessableEntity, ReadFailure.Unreadable, "Ce fichier est vide.");

        StoredAttachment stored;
        try
        {
            stored = await store.AddAsync(bytes, FileNames.Display(name), user.OwnerId, ct);
        }
        catch (ReadFailure refused)
        {
            logger.LogInformation("A file was refused: {Code} ({Status})", refused.Code, refused.Status);
            return Problems.Create(refused.Status, refused.Code, refused.Detail);
        }
        var view = View(stored, contexts.For(models.Current), models.Current);
        return TypedResults.Created($"/api/attachments/{view.Id}", view);
    }

    /// <summary>The body, or null when it holds more than <paramref name="max"/> bytes.</summary>
    private static async Task<byte[]?> ReadCappedAsync(Stream body, long max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > max) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static IResult TooLarge(long max) => Problems.Create(StatusCodes.Status413PayloadTooLarge, ReadFailure.TooLarge,
        $"Ce fichier est trop volumineux : {FrenchText.Size(max)} au plus.");

    /// <summary>The metadata, with what the model in force would get of the file if it were sent alone.</summary>
    public static AttachmentView View(StoredAttachment stored, ModelContext context, ActiveModel model)
    {
        var plan = new ContextBudget(context, context.Tokens(model.Settings.SystemPrompt)).Next(stored);
        var file = stored.File;
        return new AttachmentView(stored.Attachment.Id, stored.Attachment.Name, file.MediaType, file.Size, file.Kind, file.Pages,
            file.Text.Length, plan.Truncated || file.TextCut, plan.Warning);
    }

    private static async Task<IResult> Get(string id, AttachmentStore store, ChatModels models, ModelContexts contexts, CurrentUser user, CancellationToken ct)
    {
        var found = await store.FindAsync([id], user.OwnerId, ct);
        return found.TryGetValue(id, out var stored) ? TypedResults.Ok(View(stored, contexts.For(models.Current), models.Current)) : NotFound;
    }

    private static async Task<IResult> Content(string id, HttpContext http, IDbContextFactory<ThereseDb> dbs, CurrentUser user, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var row = await db.Attachments.AsNoTracking().Where(a => a.Id == id && a.OwnerId == user.OwnerId)
            .Join(db.AttachmentFiles, a => a.Sha256, f => f.Sha256, (a, f) => new { a.Name, f.MediaType, f.Content })
            .SingleOrDefaultAsync(ct);
        if (row is null) return NotFound;
        Serve(http.Response, row.Name, row.MediaType, inline: IsImage(row.MediaType));
        return TypedResults.Bytes(row.Content, row.MediaType);
    }

    private static async Task<IResult> Preview(string id, HttpContext http, IDbContextFactory<ThereseDb> dbs, CurrentUser user, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var row = await db.Attachments.AsNoTracking().Where(a => a.Id == id && a.OwnerId == user.OwnerId)
            .Join(db.AttachmentFiles, a => a.Sha256, f => f.Sha256, (a, f) => new { a.Name, f.Preview, f.PreviewType })
            .SingleOrDefaultAsync(ct);
        if (row?.Preview is null || row.PreviewType is null || !IsImage(row.PreviewType)) return NotFound;
        Serve(http.Response, row.Name, row.PreviewType, inline: true);
        return TypedResults.Bytes(row.Preview, row.PreviewType);
    }

    /// <summary>
    /// A stored file is someone's data, perhaps hostile: downloaded, never rendered as a page (a sandbox with nothing
    /// allowed, no sniffing). The four image types may show inline; SVG is not one of them (nor accepted at all).
    /// </summary>
    private static void Serve(HttpResponse response, string name, string mediaType, bool inline)
    {
        var disposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment");
        disposition.SetHttpFileName(name);
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "private, max-age=86400";
        response.Headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }

    private static bool IsImage(string mediaType) => mediaType is MediaTypes.Png or MediaTypes.Jpeg or MediaTypes.Webp or MediaTypes.Gif;

    private static async Task<IResult> Delete(string id, AttachmentStore store, CurrentUser user, CancellationToken ct) =>
        await store.DeleteUnsentAsync(id, user.OwnerId, ct) switch
        {
            null => NotFound,
            false => Problems.Create(StatusCodes.Status409Conflict, "attachment_in_use",
                "Cette pièce jointe fait partie d’un message envoyé : elle disparaîtra avec sa conversation."),
            true => TypedResults.NoContent(),
        };
}
