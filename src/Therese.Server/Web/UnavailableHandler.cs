using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace Therese.Server.Web;

/// <summary>
/// Several instances: when PostgreSQL or Redis cannot be reached, a request gets a French 503 with
/// Retry-After, not an "unexpected error" 500. Nothing was changed by the request; trying again works
/// once the database or Redis is back (docs/deployment.md, « When something goes away »).
/// </summary>
public sealed class UnavailableHandler(ILogger<UnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var what = Unreachable(exception);
        if (what is null || http.Response.HasStarted) return false;
        logger.LogWarning("{What} cannot be reached: {Message}", what, exception.Message);
        http.Response.Headers.RetryAfter = "5";
        await Problems.Create(StatusCodes.Status503ServiceUnavailable, "unavailable",
            "THÉRÈSE ne joint pas sa base de données pour le moment. Rien n’a été perdu : réessayez dans un instant.").ExecuteAsync(http);
        return true;
    }

    /// <summary>"Redis" or "PostgreSQL" when the exception (or one it wraps) says that server cannot be reached.</summary>
    public static string? Unreachable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException or RedisTimeoutException) return "Redis";
            if (e is NpgsqlException { IsTransient: true }) return "PostgreSQL";
        }
        return null;
    }
}
