using System.Text.Json;

namespace Therese.Server.Settings;

/// <summary>One field of a patch: untouched, or set to a value (null clears it back to its default).</summary>
public readonly record struct Change<T>(bool IsSet, T? Value)
{
    public static Change<T> To(T? value) => new(true, value);

    public T? Or(T? current) => IsSet ? Value : current;
}

/// <summary>
/// The body of PUT /api/settings, POST /api/settings/test and POST /api/settings/models: any subset of
/// the fields. A field that is absent is kept; <c>""</c> or <c>null</c> clears it.
/// </summary>
public sealed record SettingsPatch
{
    public Change<string> Provider { get; init; }
    public Change<string> Model { get; init; }
    public Change<string> BaseUrl { get; init; }
    public Change<string> ApiKey { get; init; }
    public Change<int?> MaxTokens { get; init; }
    public Change<string> SystemPrompt { get; init; }
    public Change<string> Reasoning { get; init; }

    public static readonly SettingsPatch None = new();

    /// <summary>The fields this patch sets, by their API names.</summary>
    public IEnumerable<string> Fields()
    {
        if (Provider.IsSet) yield return SettingFields.Provider;
        if (Model.IsSet) yield return SettingFields.Model;
        if (BaseUrl.IsSet) yield return SettingFields.BaseUrl;
        if (ApiKey.IsSet) yield return SettingFields.ApiKey;
        if (MaxTokens.IsSet) yield return SettingFields.MaxTokens;
        if (SystemPrompt.IsSet) yield return SettingFields.SystemPrompt;
        if (Reasoning.IsSet) yield return SettingFields.Reasoning;
    }

    /// <summary>Reads and validates a JSON object; on failure, a French sentence naming the field.</summary>
    public static (SettingsPatch? Patch, string? Error) Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return (null, "Les réglages doivent être un objet JSON.");
        var patch = new SettingsPatch();
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            if (property.Name == SettingFields.MaxTokens)
            {
                if (value.ValueKind == JsonValueKind.Null) patch = patch with { MaxTokens = Change<int?>.To(null) };
                else if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var max)) patch = patch with { MaxTokens = Change<int?>.To(max) };
                else return (null, "Le réglage max_tokens doit être un nombre entier.");
                continue;
            }
            if (!SettingFields.All.Contains(property.Name))
                return (null, $"Le réglage « {Truncate(property.Name)} » est inconnu.");
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                return (null, $"Le réglage {property.Name} doit être un texte.");
            var text = Change<string>.To(Blank(value.GetString()));
            patch = property.Name switch
            {
                SettingFields.Provider => patch with { Provider = text },
                SettingFields.Model => patch with { Model = text },
                SettingFields.BaseUrl => patch with { BaseUrl = text },
                SettingFields.ApiKey => patch with { ApiKey = text },
                SettingFields.Reasoning => patch with { Reasoning = text },
                _ => patch with { SystemPrompt = text },
            };
        }
        return patch.Validate() is { } invalid ? (null, invalid) : (patch, null);
    }

    /// <summary>Provider, URL and model from a query string (GET /api/settings/models).</summary>
    public static (SettingsPatch? Patch, string? Error) FromQuery(IQueryCollection query)
    {
        var patch = new SettingsPatch();
        foreach (var (key, values) in query)
        {
            var value = Blank(values.ToString());
            patch = key switch
            {
                SettingFields.Provider => patch with { Provider = Change<string>.To(value) },
                SettingFields.BaseUrl => patch with { BaseUrl = Change<string>.To(value) },
                SettingFields.Model => patch with { Model = Change<string>.To(value) },
                _ => patch,
            };
            if (key is not (SettingFields.Provider or SettingFields.BaseUrl or SettingFields.Model))
                return (null, key == SettingFields.ApiKey
                    ? "La clé d’API ne passe jamais dans l’adresse : envoyez-la dans le corps d’un POST /api/settings/models."
                    : $"Le paramètre « {Truncate(key)} » est inconnu.");
        }
        return patch.Validate() is { } invalid ? (null, invalid) : (patch, null);
    }

    private string? Validate()
    {
        if (Provider.Value is { } provider && !Providers.All.Contains(provider))
            return $"Le fournisseur « {Truncate(provider)} » est inconnu : choisissez anthropic, openai ou local.";
        if (Model.Value is { Length: > ModelSettings.MaxModelLength })
            return $"Le nom du modèle est trop long ({ModelSettings.MaxModelLength} caractères au plus).";
        if (BaseUrl.Value is { } url && !IsHttpUrl(url))
            return "L’adresse du fournisseur doit être une URL http:// ou https:// complète.";
        if (MaxTokens.Value is { } max && max is <= 0 or > ModelSettings.MaxMaxTokens)
            return $"Le réglage max_tokens doit être compris entre 1 et {ModelSettings.MaxMaxTokens:N0}.".Replace(',', '\u202f');
        if (SystemPrompt.Value is { Length: > ModelSettings.MaxSystemPromptLength })
            return $"Le prompt système est trop long ({ModelSettings.MaxSystemPromptLength:N0} caractères au plus).".Replace(',', '\u202f');
        if (Reasoning.Value is { } reasoning && !Llm.Reasoning.ReasoningLevel.All.Contains(reasoning))
            return "Le réglage reasoning doit valoir off, low, medium ou high.";
        if (ApiKey.Value is { Length: > 1000 })
            return "La clé d’API est trop longue.";
        if (ApiKey.Value is { } key && key.Any(char.IsControl))
            return "La clé d’API contient des caractères invalides.";
        return null;
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host)
        && string.IsNullOrEmpty(uri.UserInfo);

    /// <summary>Empty or blank text counts as unset, everywhere settings are read.</summary>
    public static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
