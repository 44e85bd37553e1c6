using System.Net;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Storage;

namespace Therese.Server.Accounts;

public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Accounts").AllowAnonymous();
        auth.MapPost("/login", Login).WithName("SignIn").WithSummary("Team mode: signs a person in with a cookie.");
        auth.MapPost("/logout", Logout).WithName("SignOut");
        auth.MapGet("/me", WhoAmI).WithName("WhoAmI").WithSummary("The mode, and who is signed in.");
        auth.MapPost("/password", ChangePassword).WithName("ChangePassword");
        auth.MapGet("/setup", SetupNeeded).WithName("SetupNeeded").WithSummary("Whether the first admin must still be created here.");
        auth.MapPost("/setup", Setup).WithName("CreateFirstAdmin").WithSummary("Creates the first admin; only once, only from this machine.");
        return app;
    }

    public sealed record Credentials(string? Email, string? Password);
    public sealed record PasswordChange(string? CurrentPassword, string? NewPassword);
    public sealed record FirstAdmin(string? Email, string? Name, string? Password);
    public sealed record Me(string Mode, string? Id, string? Email, string? Name, string? Role, bool MustChangePassword);
    public sealed record SetupState(bool Needed);

    private static readonly IResult NotTeam = Problems.Create(StatusCodes.Status404NotFound, "not_found",
        "Cette THÉRÈSE n’a pas de comptes : elle sert une seule personne (mode personnel).");

    private static async Task<IResult> Login(HttpRequest http, SignInManager<ThereseUser> signIn, IOptions<TeamOptions> team, IOptions<JsonOptions> json)
    {
        if (!team.Value.IsTeam) return NotTeam;
        var (body, problem) = await JsonBody.ReadAsync<Credentials>(http, json.Value.SerializerOptions);
        if (body is null) return problem!;
        if (string.IsNullOrWhiteSpace(body.Email) || string.IsNullOrEmpty(body.Password))
            return Problems.BadRequest("invalid_request", "Indiquez votre adresse e-mail et votre mot de passe.");

        var user = await signIn.UserManager.FindByEmailAsync(body.Email.Trim());
        // The same answer for an unknown address and a wrong password: nobody learns who has an account.
        var wrong = Problems.Create(StatusCodes.Status401Unauthorized, "invalid_credentials", "Adresse e-mail ou mot de passe incorrect.");
        if (user is null) return wrong;
        if (user.Disabled)
            return Problems.Create(StatusCodes.Status403Forbidden, "account_disabled", "Ce compte est désactivé. Adressez-vous à l’administrateur de THÉRÈSE.");
        var result = await signIn.CheckPasswordSignInAsync(user, body.Password, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            var until = await signIn.UserManager.GetLockoutEndDateAsync(user);
            var minutes = until is { } end ? Math.Max(1, (int)Math.Ceiling((end - DateTimeOffset.UtcNow).TotalMinutes)) : team.Value.LockoutMinutes;
            return Problems.Create(StatusCodes.Status423Locked, "account_locked",
                $"Trop d’essais infructueux : ce compte est verrouillé pendant {minutes} minute{(minutes > 1 ? "s" : "")}. Réessayez ensuite, ou demandez à l’administrateur de changer votre mot de passe.");
        }
        if (!result.Succeeded) return wrong;
        await signIn.SignInAsync(user, isPersistent: true);
        return TypedResults.Ok(View(user));
    }

    private static async Task<IResult> Logout(SignInManager<ThereseUser> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }

    private static IResult WhoAmI(HttpContext http, IOptions<TeamOptions> team, IDbContextFactory<ThereseDb> dbs)
    {
        if (!team.Value.IsTeam) return TypedResults.Ok(PersonalMe);
        var me = CurrentUser.From(http);
        if (me.OwnerId is null)
            return Problems.Create(StatusCodes.Status401Unauthorized, "sign_in_required", "Connectez-vous pour utiliser THÉRÈSE.");
        using var db = dbs.CreateDbContext();
        return TypedResults.Ok(View(db.Users.AsNoTracking().Single(u => u.Id == me.OwnerId)));
    }

    private static async Task<IResult> ChangePassword(HttpContext http, SignInManager<ThereseUser> signIn, IOptions<TeamOptions> team, IOptions<JsonOptions> json)
    {
        if (!team.Value.IsTeam) return NotTeam;
        var me = CurrentUser.From(http);
        if (me.OwnerId is null) return Problems.Create(StatusCodes.Status401Unauthorized, "sign_in_required", "Connectez-vous pour utiliser THÉRÈSE.");
        var (body, problem) = await JsonBody.ReadAsync<PasswordChange>(http.Request, json.Value.SerializerOptions);
        if (body is null) return problem!;
        if (string.IsNullOrEmpty(body.CurrentPassword) || string.IsNullOrEmpty(body.NewPassword))
            return Problems.BadRequest("invalid_request", "Indiquez le mot de passe actuel et le nouveau.");
        if (body.NewPassword == body.CurrentPassword)
            return Problems.BadRequest("invalid_password", "Le nouveau mot de passe doit être différent de l’actuel.");

        var user = (await signIn.UserManager.FindByIdAsync(me.OwnerId))!;
        var changed = await signIn.UserManager.ChangePasswordAsync(user, body.CurrentPassword, body.NewPassword);
        if (!changed.Succeeded) return Problems.BadRequest("invalid_password", Describe(changed));
        user.MustChangePassword = false;
        await signIn.UserManager.UpdateAsync(user);
        // The security stamp changed with the password: the cookie is renewed here, other sessions end.
        await signIn.RefreshSignInAsync(user);
        return TypedResults.Ok(View(user));
    }

    private static async Task<IResult> SetupNeeded(HttpContext http, IOptions<TeamOptions> team, IDbContextFactory<ThereseDb> dbs) =>
        TypedResults.Ok(new SetupState(team.Value.IsTeam && IsLocal(http) && !await AnyUserAsync(dbs)));

    private static async Task<IResult> Setup(HttpContext http, SignInManager<ThereseUser> signIn, IOptions<TeamOptions> team, IDbContextFactory<ThereseDb> dbs,
        TimeProvider clock, IOptions<JsonOptions> json)
    {
        if (!team.Value.IsTeam) return NotTeam;
        if (!IsLocal(http))
            return Problems.Create(StatusCodes.Status403Forbidden, "setup_local_only",
                "Le premier administrateur se crée depuis l’ordinateur où THÉRÈSE tourne (ou avec Therese:Team:AdminEmail et AdminPassword).");
        if (await AnyUserAsync(dbs))
            return Problems.Create(StatusCodes.Status409Conflict, "setup_done", "Le premier administrateur existe déjà : connectez-vous.");
        var (body, problem) = await JsonBody.ReadAsync<FirstAdmin>(http.Request, json.Value.SerializerOptions);
        if (body is null) return problem!;
        var (user, error) = await People.CreateAsync(signIn.UserManager, clock, body.Email, body.Name, body.Password, ThereseUser.Roles.Admin, mustChangePassword: false);
        if (user is null) return error!;
        await signIn.SignInAsync(user, isPersistent: true);
        return TypedResults.Ok(View(user));
    }

    /// <summary>Personal mode: nobody signs in; the one person is the admin of their own THÉRÈSE.</summary>
    public static readonly Me PersonalMe = new(TeamOptions.Personal, null, null, null, ThereseUser.Roles.Admin, false);

    public static Me View(ThereseUser user) =>
        new(TeamOptions.Team, user.Id, user.Email, user.DisplayName, user.Role, user.MustChangePassword);

    private static bool IsLocal(HttpContext http) => http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)
        && !http.Request.Headers.ContainsKey("X-Forwarded-For");

    private static async Task<bool> AnyUserAsync(IDbContextFactory<ThereseDb> dbs)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Users.AnyAsync();
    }

    public static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));
}
