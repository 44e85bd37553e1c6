using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Audit;

namespace Therese.Server.Privacy;

/// <summary>GET and PUT /api/settings/retention: how long a team keeps conversations with no activity (admin, team mode).</summary>
public static class RetentionApi
{
    public const int MaxDays = 36_500;

    public static IEndpointRouteBuilder MapRetentionApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/settings/retention").WithTags("Settings").AddEndpointFilter(UsersApi.AdminOnly);
        api.MapGet("/", Get).WithName("GetRetention").WithSummary("retention_days: null when off (the default).");
        api.MapPut("/", Put).WithName("SetRetention").WithSummary("Conversations with no activity for this many days are deleted each day; null turns it off.");
        return app;
    }

    public sealed record RetentionView(int? RetentionDays);

    private static async Task<IResult> Get(Retention retention, CancellationToken ct) => TypedResults.Ok(new RetentionView(await retention.DaysAsync(ct)));

    private static async Task<IResult> Put(HttpContext http, Retention retention, AuditTrail audit, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<JsonDocument>(http.Request, json.Value.SerializerOptions);
        if (body is null) return problem!;
        using (body)
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.EnumerateObject().Count() != 1 || !root.TryGetProperty("retention_days", out var value))
                return Problems.BadRequest("invalid_setting", "Indiquez seulement retention_days : un nombre de jours, ou null pour ne rien supprimer.");
            int? days = null;
            if (value.ValueKind != JsonValueKind.Null)
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var d) || d is < 1 or > MaxDays)
                    return Problems.BadRequest("invalid_setting", $"retention_days doit être un nombre entier de jours entre 1 et {FrenchText.Number(MaxDays)}, ou null.");
                days = d;
            }
            await retention.SetDaysAsync(days, ct);
            await audit.RecordAsync(http, AuditActions.RetentionChanged, detail: days is { } n ? $"{n} jours" : "désactivée");
            return TypedResults.Ok(new RetentionView(days));
        }
    }
}
