using RedisRateLimiting;
using StackExchange.Redis;
using Microsoft.EntityFrameworkCore;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Therese.Server.Storage;

namespace Therese.Server.Accounts;

public static class AccountsExtensions
{
    /// <summary>The rate limiting policy of the chat endpoints: messages per minute, per person (team mode).</summary>
    public const string MessagesPolicy = "messages";

    /// <summary>Team mode (Therese:Mode = team): ASP.NET Core Identity accounts in the same database, cookies, usage.</summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TeamOptions>()
            .Bind(builder.Configuration.GetSection(TeamOptions.Section))
            .Configure(o => o.Mode = (builder.Configuration["Therese:Mode"] is { Length: > 0 } mode ? mode.Trim().ToLowerInvariant() : TeamOptions.Personal))
            .Validate(o => o.Mode is TeamOptions.Personal or TeamOptions.Team, "Therese:Mode must be personal or team.")
            .Validate(o => o.MessagesPerMinute > 0 && o.MaxFailedSignIns > 0 && o.LockoutMinutes > 0,
                "Therese:Team:MessagesPerMinute, MaxFailedSignIns and LockoutMinutes must be positive.")
            .ValidateOnStart();

        var team = builder.Configuration.GetSection(TeamOptions.Section);
        builder.Services.AddIdentityCore<ThereseUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 4;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = team.GetValue("MaxFailedSignIns", 5);
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(team.GetValue("LockoutMinutes", 15));
            })
            .AddEntityFrameworkStores<ThereseDb>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddErrorDescriber<FrenchIdentityErrors>();

        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "therese_session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.SlidingExpiration = true;
            // An API answers, it never redirects to a sign-in page.
            o.Events.OnRedirectToLogin = context =>
                Problems.Create(StatusCodes.Status401Unauthorized, "sign_in_required", "Connectez-vous pour utiliser THÉRÈSE.").ExecuteAsync(context.HttpContext);
            o.Events.OnRedirectToAccessDenied = context => UsersApi.Forbidden.ExecuteAsync(context.HttpContext);
        });
        builder.Services.AddAuthorization();

        builder.Services.AddRateLimiter(o =>
        {
            o.AddPolicy(MessagesPolicy, http =>
            {
                var person = CurrentUser.From(http).OwnerId;
                if (person is null) return RateLimitPartition.GetNoLimiter("personal");
                var perMinute = http.RequestServices.GetRequiredService<IOptions<TeamOptions>>().Value.MessagesPerMinute;
                // Several instances: one count per person for all of them, in Redis.
                if (http.RequestServices.GetService<IConnectionMultiplexer>() is { } redis)
                    return RedisRateLimitPartition.GetFixedWindowRateLimiter("therese:messages:" + person, _ => new RedisFixedWindowRateLimiterOptions
                    {
                        ConnectionMultiplexerFactory = () => redis,
                        PermitLimit = perMinute,
                        Window = TimeSpan.FromMinutes(1),
                    });
                return RateLimitPartition.GetFixedWindowLimiter(person, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            o.OnRejected = async (context, ct) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? (int)Math.Ceiling(retry.TotalSeconds) : 60;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"Vous avez envoyé beaucoup de messages en peu de temps. Réessayez dans {seconds} secondes.").ExecuteAsync(context.HttpContext);
            };
        });

        builder.Services.AddSingleton<UsageLedger>();
        return builder;
    }

    /// <summary>Who is signed in (team mode), then the per-person limits.</summary>
    public static WebApplication UseAccounts(this WebApplication app)
    {
        // Called in both modes: left out, ASP.NET would insert it itself, ahead of the exception handler.
        app.UseAuthentication();
        // Personal mode has no accounts: no session to read on the first token's path.
        if (app.Services.GetRequiredService<IOptions<TeamOptions>>().Value.IsTeam) app.UseMiddleware<TeamSession>();
        app.UseRateLimiter();
        return app;
    }

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app) => app.MapAuthApi().MapUsersApi().MapUsageApi();

    /// <summary>Team mode: the first admin from Therese:Team:AdminEmail and AdminPassword, when nobody exists yet.</summary>
    public static async Task PrepareAccountsAsync(this WebApplication app)
    {
        var team = app.Services.GetRequiredService<IOptions<TeamOptions>>().Value;
        if (!team.IsTeam || string.IsNullOrWhiteSpace(team.AdminEmail)) return;
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ThereseUser>>();
        if (users.Users.Any()) return;
        ThereseUser? user;
        try
        {
            (user, _) = await People.CreateAsync(users, app.Services.GetRequiredService<TimeProvider>(),
                team.AdminEmail, null, team.AdminPassword, ThereseUser.Roles.Admin, mustChangePassword: false);
        }
        catch (DbUpdateException) when (users.Users.Any())
        {
            // Several instances started together on one database: another one created the admin first.
            return;
        }
        // Another instance may have created it between the check and this attempt (Identity then says the address is taken).
        if (user is null && users.Users.Any()) return;
        if (user is null)
            throw new InvalidOperationException(
                "Therese:Team:AdminEmail and Therese:Team:AdminPassword could not create the first admin (a valid e-mail and a password of at least 10 characters are needed).");
        app.Logger.LogInformation("First admin created from the configuration: {Email}", user.Email);
    }
}
