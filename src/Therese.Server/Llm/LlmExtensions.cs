using Microsoft.Extensions.Options;

namespace Therese.Server.Llm;

public static class LlmExtensions
{
    /// <summary>The model from Therese:Llm (then ANTHROPIC_*/OPENAI_* variables), built once.</summary>
    public static IHostApplicationBuilder AddLlm(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<LlmOptions>(builder.Configuration.GetSection(LlmOptions.Section));
        builder.Services.AddSingleton(sp => LlmProvider.Create(
            sp.GetRequiredService<IOptions<LlmOptions>>().Value,
            sp.GetRequiredService<IConfiguration>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return builder;
    }
}
