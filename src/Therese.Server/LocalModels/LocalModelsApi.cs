using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Audit;

namespace Therese.Server.LocalModels;

public static class LocalModelsApi
{
    public static IEndpointRouteBuilder MapLocalModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/local-models").WithTags("LocalModels");
        api.MapGet("/", List).WithName("ListLocalModels").WithSummary("Installed models, the catalogue, and the downloads of this run.");
        api.MapPost("/downloads", StartDownload).WithName("StartModelDownload").WithSummary("Downloads a GGUF file from the hub in the background.");
        api.MapGet("/downloads/{id}", GetDownload).WithName("GetModelDownload").WithSummary("State and progress of a download.");
        api.MapDelete("/downloads/{id}", CancelDownload).WithName("CancelModelDownload").WithSummary("Stops a download and removes its partial file.");
        // An installed model serves everyone: in team mode only an admin removes one.
        api.MapDelete("/{file}", DeleteModel).WithName("DeleteLocalModel").WithSummary("Removes an installed model.")
            .AddEndpointFilter(UsersApi.AdminInTeam);
        return app;
    }

    public sealed record CatalogEntry(
        string Id, string Name, string Repo, string File, long Size, string Licence, string Description, long Ram, bool Recommended, bool Installed);
    public sealed record Overview(IReadOnlyList<InstalledModel> Installed, IReadOnlyList<CatalogEntry> Catalog, IReadOnlyList<DownloadView> Downloads);
    public sealed record DownloadRequest(string? Repo, string? File);

    private static Ok<Overview> List(ModelsFolder folder, ModelDownloads downloads, CurrentUser user)
    {
        var installed = folder.Installed();
        var catalog = ModelCatalog.Models
            .Select(m => new CatalogEntry(m.Id, m.Name, m.Repo, m.File, m.Size, m.Licence, m.Description, m.Ram, m.Recommended,
                installed.Any(i => i.File == m.File)))
            .ToList();
        return TypedResults.Ok(new Overview(installed, catalog, downloads.All(user.OwnerId).Select(d => d.View()).ToList()));
    }

    private static async Task<Results<Accepted<DownloadView>, ProblemHttpResult>> StartDownload(
        HttpRequest http, ModelDownloads downloads, AuditTrail audit, IOptions<JsonOptions> json, CurrentUser user)
    {
        var (body, problem) = await JsonBody.ReadAsync<DownloadRequest>(http, json.Value.SerializerOptions);
        if (body is null) return problem!;
        if (!ModelNames.IsValidRepo(body.Repo)) return InvalidRepo();
        if (!ModelNames.IsValidFile(body.File)) return InvalidFile();

        var start = downloads.Start(body.Repo!, body.File!, user.OwnerId);
        if (start is DownloadStart.Started(var started))
            await audit.RecordAsync(http.HttpContext, AuditActions.LocalModelDownloadStarted, started.Id, $"{body.Repo}/{body.File}");
        return start switch
        {
            DownloadStart.Started(var d) => Accepted(d),
            DownloadStart.AlreadyRunning(var d) => Accepted(d),
            DownloadStart.AlreadyInstalled => Problems.Create(StatusCodes.Status409Conflict, "already_installed",
                $"Le modèle {FrenchText.Quote(body.File!)} est déjà installé. Supprimez-le d’abord pour le télécharger de nouveau."),
            DownloadStart.FileBusy(var other) => Problems.Create(StatusCodes.Status409Conflict, "download_conflict",
                $"Le fichier {FrenchText.Quote(other.File)} est déjà en cours de téléchargement depuis le dépôt {FrenchText.Quote(other.Repo)}."),
            _ => throw new InvalidOperationException("Unknown download start."),
        };
    }

    private static Results<Ok<DownloadView>, ProblemHttpResult> GetDownload(string id, ModelDownloads downloads, CurrentUser user) =>
        downloads.Find(id, user.OwnerId) is { } download ? TypedResults.Ok(download.View()) : UnknownDownload();

    private static async Task<Results<Ok<DownloadView>, ProblemHttpResult>> CancelDownload(string id, HttpContext http, ModelDownloads downloads, AuditTrail audit, CurrentUser user)
    {
        var (outcome, download) = await downloads.CancelAsync(id, user.OwnerId);
        if (outcome == CancelOutcome.Cancelled)
            await audit.RecordAsync(http, AuditActions.LocalModelDownloadCancelled, id, $"{download!.Repo}/{download.File}");
        return outcome switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok(download!.View()),
            CancelOutcome.AlreadyDone => Problems.Create(StatusCodes.Status409Conflict, "download_finished",
                "Ce téléchargement est déjà terminé : pour libérer la place, supprimez le modèle."),
            _ => UnknownDownload(),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteModel(string file, HttpContext http, ModelsFolder folder, ModelDownloads downloads, AuditTrail audit)
    {
        if (!ModelNames.IsValidFile(file)) return InvalidFile();
        if (!folder.Delete(file))
            return Problems.NotFound($"Aucun modèle installé ne s’appelle {FrenchText.Quote(file)}.");
        downloads.ModelDeleted(file);
        await audit.RecordAsync(http, AuditActions.LocalModelDeleted, file, file);
        return TypedResults.NoContent();
    }

    private static Accepted<DownloadView> Accepted(ModelDownload download) =>
        TypedResults.Accepted($"/api/local-models/downloads/{download.Id}", download.View());

    private static ProblemHttpResult UnknownDownload() =>
        Problems.NotFound("Ce téléchargement n’existe pas, ou plus : THÉRÈSE a peut-être été redémarrée depuis.");

    private static ProblemHttpResult InvalidRepo() => Problems.BadRequest("invalid_repo",
        $"Le dépôt doit être de la forme {FrenchText.Quote("propriétaire/nom")}, avec seulement des lettres, des chiffres, "
        + $"{FrenchText.Quote("-")}, {FrenchText.Quote("_")} ou {FrenchText.Quote(".")}, par exemple {FrenchText.Quote("bartowski/Qwen2.5-1.5B-Instruct-GGUF")}.");

    private static ProblemHttpResult InvalidFile() => Problems.BadRequest("invalid_file",
        $"Le nom du fichier doit être un simple nom se terminant par {FrenchText.Quote(".gguf")}, sans dossier ni {FrenchText.Quote("..")}, "
        + $"par exemple {FrenchText.Quote("Qwen2.5-1.5B-Instruct-Q4_K_M.gguf")}.");
}
