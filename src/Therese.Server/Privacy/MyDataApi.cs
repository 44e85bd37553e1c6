using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Audit;
using Therese.Server.Llm;
using Therese.Server.Settings;
using Therese.Server.Storage;

namespace Therese.Server.Privacy;

/// <summary>
/// « Mes données »: GET /api/me/export (everything of the person, one zip streamed as it is written) and
/// DELETE /api/me/data (everything of the person, after they typed SUPPRIMER).
/// </summary>
public static class MyDataApi
{
    public const string Confirmation = "SUPPRIMER";

    public static IEndpointRouteBuilder MapMyDataApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/me").WithTags("My data");
        me.MapGet("/export", Export).WithName("ExportMyData").WithSummary("Every conversation (JSON and Markdown), the account or settings: one zip, streamed.");
        me.MapDelete("/data", Delete).WithName("DeleteMyData").WithSummary("Deletes every conversation of the person, for good; body {\"confirm\":\"SUPPRIMER\"}.");
        return app;
    }

    private static readonly SettingsPatch ForgetAll = new()
    {
        Provider = Change<string>.To(null), Model = Change<string>.To(null), BaseUrl = Change<string>.To(null),
        ApiKey = Change<string>.To(null), MaxTokens = Change<int?>.To(null), SystemPrompt = Change<string>.To(null),
    };

    public sealed record DeleteBody(string? Confirm);
    public sealed record Deleted(int Conversations);

    private sealed record Account(string Email, string Name, string Role, DateTimeOffset CreatedAt, long? MonthlyTokenBudget);
    private sealed record SavedSettings(string? Provider, string? Model, string? BaseUrl, int? MaxTokens, string? SystemPrompt, bool ApiKeySaved);

    private static async Task Export(HttpContext http, PersonalDataArchive archive, IDbContextFactory<ThereseDb> dbs, SettingsStore settings,
        AuditTrail audit, TimeProvider clock, CancellationToken ct)
    {
        var user = CurrentUser.From(http);
        (string, object) profile;
        if (user.OwnerId is { } id)
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var u = await db.Users.AsNoTracking().SingleAsync(x => x.Id == id, ct);
            profile = ("compte.json", new Account(u.Email ?? "", u.DisplayName, u.Role, u.CreatedAt, u.MonthlyTokenBudget));
        }
        else
        {
            // The model settings saved from the page; the key itself never leaves.
            var s = await settings.ReadAsync(ct);
            profile = ("reglages.json", new SavedSettings(s.Provider, s.Model, s.BaseUrl, s.MaxTokens, s.SystemPrompt, s.ApiKey is not null));
        }
        await audit.RecordAsync(http, AuditActions.DataExported);
        http.Response.ContentType = "application/zip";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"therese-mes-donnees-{clock.GetUtcNow():yyyy-MM-dd}.zip\"";
        // Not compressed again on the way, and sent as it is made.
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await archive.WriteAsync(http.Response.Body, user.OwnerId, profile, ct);
    }

    private static async Task<IResult> Delete(HttpContext http, DataEraser eraser, ChatModels models, AuditTrail audit, IOptions<JsonOptions> json,
        TimeProvider clock, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<DeleteBody>(http.Request, json.Value.SerializerOptions);
        if (body is null) return problem!;
        if (body.Confirm != Confirmation)
            return Problems.BadRequest("confirmation_required", $"Pour tout supprimer, tapez {FrenchText.Quote(Confirmation)} en majuscules dans le champ confirm.");
        var user = CurrentUser.From(http);
        // Not cancelled halfway when the page goes away: it is one decision.
        var count = await eraser.DeleteOwnerConversationsAsync(user.OwnerId, CancellationToken.None);
        if (user.OwnerId is { } id)
        {
            // This month's token count stays while the month runs when a budget depends on it; it holds no content.
            var now = clock.GetUtcNow();
            await eraser.DeleteUsageAsync(id, user.MonthlyTokenBudget is null ? null : new DateOnly(now.Year, now.Month, 1), CancellationToken.None);
        }
        else
        {
            // Personal mode: the settings saved from the page, key included, are the person's too; configuration pins stay.
            await models.SaveAsync(ForgetAll, CancellationToken.None);
        }
        await eraser.ScrubAsync();
        await audit.RecordAsync(http, AuditActions.DataDeleted, detail: $"{count} conversation(s)");
        return TypedResults.Ok(new Deleted(count));
    }
}
