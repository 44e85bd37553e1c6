using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Therese.Server.LocalModels;

public static class LocalModelsExtensions
{
    /// <summary>Local GGUF models: the catalogue, the models folder, and downloads from the hub in Therese:Models.</summary>
    public static IHostApplicationBuilder AddLocalModels(this IHostApplicationBuilder builder)
    {
        // A wrong setting stops THÉRÈSE at start with its name, rather than failing every download later.
        builder.Services.AddOptions<LocalModelsOptions>()
            .Bind(builder.Configuration.GetSection(LocalModelsOptions.Section))
            .Validate(o => o.HasValidHubUrl, "Therese:Models:HubUrl must be an absolute http or https URL.")
            .Validate(o => o.MaxAttempts >= 1 && o.RetryDelayMs >= 0 && o.MaxRetryDelayMs >= 0,
                "Therese:Models:MaxAttempts must be at least 1, and the retry delays may not be negative.")
            .Validate(o => o.StallTimeoutSeconds >= 1 && o.ReserveFreeMegabytes >= 0,
                "Therese:Models:StallTimeoutSeconds must be at least 1, and ReserveFreeMegabytes may not be negative.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ModelsFolder>();
        builder.Services.AddSingleton<HubClient>();
        builder.Services.AddSingleton<ModelDownloads>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelDownloads>());
        return builder;
    }
}
