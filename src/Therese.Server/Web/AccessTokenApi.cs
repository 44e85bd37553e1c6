using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Therese.Server.Web;

public static class AccessTokenApi
{
    private const string TokenPath = "/api/auth/token";

    public static IEndpointRouteBuilder MapAccessTokenApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, Prove).WithTags("Auth").WithName("ProveAccessToken")
            .WithSummary("Checks the access token and sets the cookie that carries it (HttpOnly, SameSite=Strict, Secure over HTTPS).");
        return app;
    }

    public sealed record TokenBody(string? Token);

    /// <summary>
    /// Guessing is slow: each client (IP address) may try <see cref="AttemptsPerMinute"/> tokens a minute. A person
    /// typing never meets the limit; a program trying tokens gets 429 and waits.
    /// </summary>
    public sealed class Attempts : IDisposable
    {
        public const int AttemptsPerMinute = 10;

        private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(client =>
            RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = AttemptsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));

        public RateLimitLease Acquire(HttpContext http) => _limiter.AttemptAcquire(http.Connection.RemoteIpAddress?.ToString() ?? "local");

        public void Dispose() => _limiter.Dispose();
    }

    /// <summary>The one /api address that needs no token: the page proves it here.</summary>
    public static bool IsTokenEndpoint(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals(TokenPath, StringComparison.OrdinalIgnoreCase);

    public static ProblemHttpResult TokenRequired() => Problems.Create(StatusCodes.Status401Unauthorized, "token_required",
        "THÉRÈSE demande un jeton d’accès. Saisissez celui que l’administrateur a configuré.");

    private static async Task<Results<NoContent, ProblemHttpResult>> Prove(HttpContext http, AccessToken token, Attempts attempts, IOptions<JsonOptions> json)
    {
        if (!token.Configured)
            return Problems.NotFound("THÉRÈSE ne demande pas de jeton d’accès : il n’y a rien à saisir.");
        using var attempt = attempts.Acquire(http);
        if (!attempt.IsAcquired)
        {
            var wait = attempt.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_attempts",
                "Trop de jetons ont été essayés depuis cet appareil. Patientez une minute, puis réessayez.");
        }
        var (body, problem) = await JsonBody.ReadAsync<TokenBody>(http.Request, json.Value.SerializerOptions);
        if (body is null) return problem!;
        if (!token.Matches(body.Token?.Trim()))
            return Problems.Create(StatusCodes.Status401Unauthorized, "token_invalid",
                "Ce jeton d’accès n’est pas le bon. Vérifiez-le auprès de l’administrateur, puis réessayez.");
        token.SetCookie(http);
        return TypedResults.NoContent();
    }
}
