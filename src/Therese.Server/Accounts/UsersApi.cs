using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Audit;
using Therese.Server.Privacy;
using Therese.Server.Storage;

namespace Therese.Server.Accounts;

/// <summary>/api/users: the admin manages the people of the team. Members get 403.</summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Accounts").AddEndpointFilter(AdminOnly);
        users.MapGet("/", List).WithName("ListUsers");
        users.MapPost("/", Create).WithName("CreateUser");
        users.MapPatch("/{id}", Update).WithName("UpdateUser").WithSummary("Role, disabled, name, budget; a new password (reset).");
        users.MapDelete("/{id}", Delete).WithName("DeleteUser").WithSummary("Deletes the person and their conversations.");
        return app;
    }

    public sealed record UserView(
        string Id, string Email, string Name, string Role, bool Disabled, bool MustChangePassword, long? MonthlyTokenBudget,
        DateTimeOffset CreatedAt, DateTimeOffset? LockedUntil);

    public sealed record NewUser(string? Email, string? Name, string? Password, string? Role, bool? MustChangePassword, long? MonthlyTokenBudget);

    /// <summary>Team mode only, and only for an admin: anyone else gets 403 (404 in personal mode: there are no accounts).</summary>
    public static async ValueTask<object?> AdminOnly(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.RequestServices.GetRequiredService<IOptions<TeamOptions>>().Value.IsTeam)
            return Problems.Create(StatusCodes.Status404NotFound, "not_found", "Cette THÉRÈSE n’a pas de comptes : elle sert une seule personne (mode personnel).");
        if (CurrentUser.From(http).Role != ThereseUser.Roles.Admin) return Forbidden;
        return await next(context);
    }

    /// <summary>For what only an admin may change in team mode (the model settings, local models); anyone in personal mode.</summary>
    public static async ValueTask<object?> AdminInTeam(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        CurrentUser.From(context.HttpContext).IsAdmin ? await next(context) : Forbidden;

    public static readonly IResult Forbidden = Problems.Create(StatusCodes.Status403Forbidden, "admin_only",
        "Seul un administrateur de THÉRÈSE peut faire cela.");

    public static UserView View(ThereseUser u) => new(u.Id, u.Email ?? "", u.DisplayName, u.Role, u.Disabled, u.MustChangePassword,
        u.MonthlyTokenBudget, u.CreatedAt, u.LockoutEnd is { } end && end > DateTimeOffset.UtcNow ? end : null);

    private static async Task<IResult> List(IDbContextFactory<ThereseDb> dbs, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var all = await db.Users.AsNoTracking().OrderBy(u => u.DisplayName).ToListAsync(ct);
        return TypedResults.Ok(all.Select(View).ToList());
    }

    private static async Task<IResult> Create(HttpContext http, UserManager<ThereseUser> users, TimeProvider clock, AuditTrail audit, IOptions<JsonOptions> json)
    {
        var (body, problem) = await JsonBody.ReadAsync<NewUser>(http.Request, json.Value.SerializerOptions);
        if (body is null) return problem!;
        var (user, error) = await People.CreateAsync(users, clock, body.Email, body.Name, body.Password, body.Role ?? ThereseUser.Roles.Member,
            body.MustChangePassword ?? true, body.MonthlyTokenBudget);
        if (user is null) return error!;
        await audit.RecordAsync(http, AuditActions.UserCreated, user.Id, user.Email, $"rôle : {user.Role}");
        return TypedResults.Created($"/api/users/{user.Id}", View(user));
    }

    private static async Task<IResult> Update(string id, HttpContext http, UserManager<ThereseUser> users, AuditTrail audit, IOptions<JsonOptions> json)
    {
        var (body, problem) = await JsonBody.ReadAsync<JsonDocument>(http.Request, json.Value.SerializerOptions);
        if (body is null) return problem!;
        using var document = body;
        var user = await users.FindByIdAsync(id);
        if (user is null) return Problems.NotFound("Cette personne n’existe pas.");
        if (body.RootElement.ValueKind != JsonValueKind.Object) return Problems.BadRequest("invalid_json", "La requête doit être un objet JSON.");

        var me = CurrentUser.From(http);
        string? newPassword = null;
        foreach (var field in body.RootElement.EnumerateObject())
        {
            var v = field.Value;
            switch (field.Name)
            {
                case "name" when v.ValueKind == JsonValueKind.String && v.GetString()!.Trim() is { Length: > 0 and <= People.MaxName } name:
                    user.DisplayName = name;
                    break;
                case "role" when v.ValueKind == JsonValueKind.String && ThereseUser.Roles.IsKnown(v.GetString()):
                    user.Role = v.GetString()!;
                    break;
                case "disabled" when v.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    user.Disabled = v.GetBoolean();
                    break;
                case "must_change_password" when v.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    user.MustChangePassword = v.GetBoolean();
                    break;
                case "monthly_token_budget" when v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var b) && b >= 0):
                    user.MonthlyTokenBudget = v.ValueKind == JsonValueKind.Null ? null : v.GetInt64();
                    break;
                case "password" when v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } password:
                    newPassword = password;
                    break;
                default:
                    return Problems.BadRequest("invalid_request", $"Le champ « {field.Name} » est inconnu ou sa valeur n’est pas valide.");
            }
        }
        // A team always keeps an admin who can sign in.
        if (id == me.OwnerId && (user.Role != ThereseUser.Roles.Admin || user.Disabled))
            return Problems.Create(StatusCodes.Status409Conflict, "last_admin",
                "Vous ne pouvez pas retirer vos propres droits d’administrateur ni désactiver votre propre compte.");

        if (newPassword is not null)
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var reset = await users.ResetPasswordAsync(user, token, newPassword);
            if (!reset.Succeeded) return Problems.BadRequest("invalid_password", AuthApi.Describe(reset));
            // A password set by the admin is temporary unless said otherwise; a locked account opens again.
            if (!body.RootElement.TryGetProperty("must_change_password", out _)) user.MustChangePassword = true;
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
        }
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded) return Problems.BadRequest("invalid_request", AuthApi.Describe(updated));
        // Signed out everywhere when disabled (the session guard checks the stamp on every request).
        if (user.Disabled) await users.UpdateSecurityStampAsync(user);
        // Which fields changed, with the values that are not secret: never the password.
        var changed = body.RootElement.EnumerateObject().Select(f => f.Name switch
        {
            "role" => $"role : {user.Role}",
            "disabled" => user.Disabled ? "désactivé" : "réactivé",
            "monthly_token_budget" => $"budget : {(user.MonthlyTokenBudget is { } b ? b.ToString(System.Globalization.CultureInfo.InvariantCulture) : "aucun")}",
            "password" => "nouveau mot de passe",
            _ => f.Name,
        });
        await audit.RecordAsync(http, AuditActions.UserUpdated, user.Id, user.Email, string.Join(", ", changed));
        return TypedResults.Ok(View(user));
    }

    private static async Task<IResult> Delete(string id, HttpContext http, UserManager<ThereseUser> users, DataEraser eraser, AuditTrail audit, CancellationToken ct)
    {
        if (id == CurrentUser.From(http).OwnerId)
            return Problems.Create(StatusCodes.Status409Conflict, "last_admin", "Vous ne pouvez pas supprimer votre propre compte.");
        var user = await users.FindByIdAsync(id);
        if (user is null) return Problems.NotFound("Cette personne n’existe pas.");
        // All their data goes, unread: conversations with everything in them, and their token counts.
        var conversations = await eraser.DeleteOwnerConversationsAsync(id, CancellationToken.None);
        await eraser.DeleteUsageAsync(id, keepFrom: null, CancellationToken.None);
        await users.DeleteAsync(user);
        await eraser.ScrubAsync();
        await audit.RecordAsync(http, AuditActions.UserDeleted, id, user.Email, $"{conversations} conversation(s) supprimée(s)");
        return TypedResults.NoContent();
    }
}
