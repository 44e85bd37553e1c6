using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Therese.Server.LocalModels;

public static class LocalModelsExtensions
{
    /// <summary>Local GGUF models: the catalogue, the models folder, and downloads from the hub in Therese:Models.</summary>
    public static IHostApplicationBuilder AddLocalModels(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<LocalModelsOptions>(builder.Configuration.GetSection(LocalModelsOptions.Section));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ModelsFolder>();
        builder.Services.AddSingleton<HubClient>();
        builder.Services.AddSingleton<ModelDownloads>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelDownloads>());
        return builder;
    }
}
