using Therese.Server.Llm.Local;

namespace Therese.Server.Llm;

public static class LlmExtensions
{
    /// <summary>The model in force, rebuilt whenever the settings change.</summary>
    public static IHostApplicationBuilder AddLlm(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<LlmOptions>(builder.Configuration.GetSection(LlmOptions.Section));
        builder.Services.Configure<LocalModelOptions>(builder.Configuration.GetSection(LocalModelOptions.Section));
        builder.Services.AddSingleton<LocalModelHost>();
        builder.Services.AddSingleton<ChatClientFactory>();
        builder.Services.AddSingleton<ChatModels>();
        builder.Services.AddSingleton<ModelProbe>();
        return builder;
    }

    /// <summary>Puts the saved settings in force before the first request.</summary>
    public static async Task PrepareModelAsync(this WebApplication app) =>
        await app.Services.GetRequiredService<ChatModels>().ReloadAsync();
}
