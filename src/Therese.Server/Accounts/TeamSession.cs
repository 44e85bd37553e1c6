using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Therese.Server.Storage;

namespace Therese.Server.Accounts;

/// <summary>
/// Team mode, on every /api request: who is signed in, read from the database each time (a disabled
/// person or a changed role takes effect at once), and a password change required before anything else.
/// </summary>
public sealed class TeamSession(RequestDelegate next, IOptions<TeamOptions> team)
{
    /// <summary>What a signed-in person may do while a new password is required, and what needs no sign-in.</summary>
    private static readonly string[] Open = ["/api/auth/login", "/api/auth/setup", "/api/auth/me", "/api/auth/logout", "/api/auth/password", "/api/auth/token"];

    // Services are resolved here, not as InvokeAsync parameters: those would be built for every request of the
    // personal mode too (SignInManager brings a UserManager, its store and a DbContext), on the first token's path.
    public Task InvokeAsync(HttpContext http) =>
        team.Value.IsTeam && http.Request.Path.StartsWithSegments("/api")
            ? SignedInAsync(http, http.RequestServices.GetRequiredService<IDbContextFactory<ThereseDb>>(),
                http.RequestServices.GetRequiredService<SignInManager<ThereseUser>>())
            : next(http);

    private async Task SignedInAsync(HttpContext http, IDbContextFactory<ThereseDb> dbs, SignInManager<ThereseUser> signIn)
    {
        var open = Open.Any(p => http.Request.Path.StartsWithSegments(p));
        var id = http.User.Identity?.IsAuthenticated == true ? http.User.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        ThereseUser? user = null;
        if (id is not null)
        {
            await using var db = await dbs.CreateDbContextAsync(http.RequestAborted);
            user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, http.RequestAborted);
            var stamp = http.User.FindFirstValue(signIn.Options.ClaimsIdentity.SecurityStampClaimType);
            if (user is null || user.Disabled || user.SecurityStamp != stamp)
            {
                // Deleted, disabled, or signed out everywhere (password reset): this cookie is over.
                await signIn.SignOutAsync();
                user = null;
            }
        }
        if (user is null)
        {
            if (open)
            {
                await next(http);
                return;
            }
            await Problems.Create(StatusCodes.Status401Unauthorized, "sign_in_required",
                "Connectez-vous pour utiliser THÉRÈSE.").ExecuteAsync(http);
            return;
        }

        http.Items[typeof(CurrentUser)] = new CurrentUser(user.Id, user.Role, user.MonthlyTokenBudget);
        if (user.MustChangePassword && !open)
        {
            await Problems.Create(StatusCodes.Status403Forbidden, "password_change_required",
                "Choisissez un nouveau mot de passe avant de continuer.").ExecuteAsync(http);
            return;
        }
        await next(http);
    }
}
