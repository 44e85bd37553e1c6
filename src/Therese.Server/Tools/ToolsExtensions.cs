using Microsoft.Extensions.Options;

namespace Therese.Server.Tools;

public static class ToolsExtensions
{
    public static IHostApplicationBuilder AddTools(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<McpOptions>().Bind(builder.Configuration.GetSection(McpOptions.Section))
            .Validate(o => o.CallTimeoutSeconds > 0, "Therese:Mcp:CallTimeoutSeconds doit être un nombre de secondes positif.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<McpOptions>, ServersValidation>();
        builder.Services.AddSingleton<ToolServerStore>();
        builder.Services.AddSingleton<ToolServers>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ToolServers>());
        return builder;
    }

    /// <summary>A server configured in a shape THÉRÈSE does not understand stops the start, with a French message.</summary>
    private sealed class ServersValidation : IValidateOptions<McpOptions>
    {
        public ValidateOptionsResult Validate(string? name, McpOptions options)
        {
            var problems = options.Servers.Select(s => s.Value.Problem(s.Key)).OfType<string>().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
