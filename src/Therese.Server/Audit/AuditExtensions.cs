namespace Therese.Server.Audit;

public static class AuditExtensions
{
    /// <summary>Team mode: the trail of what administrators do (people, settings, models, retention, exports).</summary>
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditTrail>();
        return builder;
    }
}
