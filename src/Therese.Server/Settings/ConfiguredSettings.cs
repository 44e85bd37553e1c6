using System.Globalization;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace Therese.Server.Settings;

/// <summary>
/// What the administrator set outside the app: configuration files, environment variables, the command
/// line, and the SDKs' own variables (ANTHROPIC_API_KEY…). These win over what the page saves, and the
/// page shows them read-only with where they come from. Empty values count as unset.
/// </summary>
public sealed class ConfiguredSettings(IConfiguration config)
{
    public const string Section = "Therese:Llm";

    private static readonly Dictionary<string, string> Keys = new()
    {
        [SettingFields.Provider] = "Provider",
        [SettingFields.Model] = "Model",
        [SettingFields.BaseUrl] = "BaseUrl",
        [SettingFields.ApiKey] = "ApiKey",
        [SettingFields.MaxTokens] = "MaxTokens",
        [SettingFields.SystemPrompt] = "SystemPrompt",
        [SettingFields.Reasoning] = "Reasoning",
    };

    /// <summary>Each field from the first source that sets it: configuration, then saved, then default.</summary>
    public ResolvedSettings Resolve(ModelSettings saved)
    {
        var locked = new Dictionary<string, string>();
        string? Pinned(string field)
        {
            var key = $"{Section}:{Keys[field]}";
            if (SettingsPatch.Blank(config[key]) is not { } value) return null;
            locked[field] = SourceOf(key);
            return value;
        }
        string? Variable(string? name, string field)
        {
            if (name is null || SettingsPatch.Blank(config[name]) is not { } value) return null;
            locked[field] = $"la variable d’environnement {name}";
            return value;
        }

        var provider = Pinned(SettingFields.Provider)?.ToLowerInvariant() ?? saved.Provider ?? Inferred();
        var (keyVariable, urlVariable) = provider switch
        {
            Providers.Anthropic => ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
            Providers.OpenAi => ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
            _ => ((string?)null, (string?)null),
        };
        var pinnedMax = Pinned(SettingFields.MaxTokens);
        return new ResolvedSettings
        {
            Provider = provider,
            Model = Pinned(SettingFields.Model) ?? saved.Model ?? Providers.DefaultModel(provider),
            BaseUrl = Pinned(SettingFields.BaseUrl) ?? Variable(urlVariable, SettingFields.BaseUrl) ?? saved.BaseUrl,
            ApiKey = Pinned(SettingFields.ApiKey) ?? Variable(keyVariable, SettingFields.ApiKey) ?? saved.ApiKey,
            MaxTokens = pinnedMax is not null && int.TryParse(pinnedMax, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0
                ? max
                : saved.MaxTokens ?? ModelSettings.DefaultMaxTokens,
            SystemPrompt = Pinned(SettingFields.SystemPrompt) ?? saved.SystemPrompt ?? ModelSettings.DefaultSystemPrompt,
            Reasoning = Pinned(SettingFields.Reasoning)?.ToLowerInvariant() is { } level && Llm.Reasoning.ReasoningLevel.All.Contains(level)
                ? level
                : saved.Reasoning ?? Llm.Reasoning.ReasoningLevel.Off,
            Locked = locked,
        };
    }

    /// <summary>With no provider chosen anywhere, the SDKs' own variables say which one is meant.</summary>
    private string? Inferred()
    {
        if (SettingsPatch.Blank(config["ANTHROPIC_API_KEY"]) is not null) return Providers.Anthropic;
        if (SettingsPatch.Blank(config["OPENAI_API_KEY"]) is not null || SettingsPatch.Blank(config["OPENAI_BASE_URL"]) is not null)
            return Providers.OpenAi;
        return null;
    }

    /// <summary>Where a configuration key was set, in words an administrator recognises.</summary>
    private string SourceOf(string key)
    {
        if (config is IConfigurationRoot root)
            foreach (var provider in root.Providers.Reverse())
            {
                if (!provider.TryGet(key, out var value) || string.IsNullOrWhiteSpace(value)) continue;
                return provider switch
                {
                    JsonConfigurationProvider json => $"le fichier {Path.GetFileName(json.Source.Path)}",
                    EnvironmentVariablesConfigurationProvider => $"la variable d’environnement {key.Replace(":", "__", StringComparison.Ordinal)}",
                    CommandLineConfigurationProvider => $"la ligne de commande (--{key})",
                    _ => $"la configuration du serveur ({key})",
                };
            }
        return $"la configuration du serveur ({key})";
    }
}
