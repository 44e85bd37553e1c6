namespace Therese.Server.Web;

/// <summary>
/// Configuration in a shape THÉRÈSE would otherwise ignore without a word. A key that holds a section
/// (Therese:Llm, Therese:Redis…) given a plain value, as an environment variable like <c>Therese__Redis=host:6379</c>
/// invites, binds to nothing: the instance would run with its defaults (for Redis: its own in-memory state behind
/// a load balancer shared with others). The one plain value that has an obvious meaning, Redis's configuration
/// string, is taken as such; any other stops the start, saying which key and what it expects.
/// </summary>
public static class ConfigurationShape
{
    /// <summary>The keys under Therese: that hold a section, with one of their settings as an example.</summary>
    public static readonly IReadOnlyDictionary<string, string> Sections = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Llm"] = "Provider",
        ["Local"] = "ContextSize",
        ["Ollama"] = "Url",
        ["Storage"] = "Provider",
        ["Desktop"] = "Enabled",
        ["Stream"] = "PingIntervalSeconds",
        ["Import"] = "MaxFileBytes",
        ["Models"] = "HubUrl",
        ["Team"] = "AdminEmail",
        ["Attachments"] = "MaxBytes",
        ["Redis"] = "Configuration",
        ["Telemetry"] = "Prometheus",
        ["Limits"] = "MaxBodyBytes",
        ["Mcp"] = "Servers",
    };

    /// <summary>
    /// Takes a plain Therese:Redis value as Therese:Redis:Configuration (unless that is set too, which is refused).
    /// Call first, before anything reads the configuration.
    /// </summary>
    public static void Normalise(IConfigurationManager config)
    {
        var plain = config["Therese:Redis"];
        if (string.IsNullOrWhiteSpace(plain) || !string.IsNullOrWhiteSpace(config["Therese:Redis:Configuration"])) return;
        config.AddInMemoryCollection([new KeyValuePair<string, string?>("Therese:Redis:Configuration", plain.Trim())]);
    }

    /// <summary>Why THÉRÈSE must not start with this configuration's shape (English, then French), or null.</summary>
    public static string? Refusal(IConfiguration config)
    {
        foreach (var (name, example) in Sections)
        {
            var key = $"Therese:{name}";
            var section = config.GetSection(key);
            if (string.IsNullOrWhiteSpace(section.Value)) continue;
            // The value itself is never repeated: it may be a password or a connection string.
            if (name.Equals("Redis", StringComparison.OrdinalIgnoreCase))
            {
                if (string.IsNullOrWhiteSpace(config["Therese:Redis:Configuration"])
                    || section.Value.Trim() == config["Therese:Redis:Configuration"]!.Trim()) continue;
                return "THÉRÈSE will not start: Therese:Redis is set both as a plain value and as Therese:Redis:Configuration. Keep one.\n"
                    + "THÉRÈSE ne démarre pas : Therese:Redis est défini deux fois, comme valeur et comme Therese:Redis:Configuration. N’en gardez qu’un.";
            }
            return $"THÉRÈSE will not start: {key} holds a section of settings, not a value (for example {key}:{example}, "
                + $"or the environment variable Therese__{name}__{example}). The value given would be ignored.\n"
                + $"THÉRÈSE ne démarre pas : {key} regroupe des réglages et n’accepte pas de valeur seule (par exemple {key}:{example}, "
                + $"ou la variable d’environnement Therese__{name}__{example}). La valeur donnée serait ignorée.";
        }
        return null;
    }

    /// <summary>What works but should be said loudly at start (English, then French).</summary>
    public static IEnumerable<string> Warnings(IConfiguration config)
    {
        var postgres = string.Equals(config["Therese:Storage:Provider"]?.Trim(), "postgres", StringComparison.OrdinalIgnoreCase);
        if (postgres && string.IsNullOrWhiteSpace(config["Therese:Redis:Configuration"]))
            yield return "PostgreSQL storage without Redis: this instance keeps its answers' live state (streams, Stop, locks) in memory. "
                + "Several instances behind one address need Therese:Redis:Configuration, or a Stop or a reload reaching another instance will not find the answer. "
                + "/ Stockage PostgreSQL sans Redis : cette instance garde l’état des réponses en cours pour elle seule ; "
                + "plusieurs instances derrière une même adresse ont besoin de Therese:Redis:Configuration.";
    }
}
