using System.Text.RegularExpressions;

namespace Therese.Server.Tools;

/// <summary>Therese:Mcp: the organisation's MCP servers, and how long a tool may take.</summary>
public sealed class McpOptions
{
    public const string Section = "Therese:Mcp";

    /// <summary>Servers by name: a stdio command (Command, Args, Env) or a Streamable HTTP address (Url, Headers).</summary>
    public Dictionary<string, ToolServerConfig> Servers { get; set; } = [];

    /// <summary>How long one tool call may take before it counts as failed.</summary>
    public int CallTimeoutSeconds { get; set; } = 30;

    /// <summary>At most this many rounds of tool calls per answer.</summary>
    public const int MaxRounds = 10;

    /// <summary>
    /// A call waiting for the person's decision keeps its answer alive this long with nobody following it (the page
    /// closed, the laptop asleep), where an answer without one is given up after the resume grace period.
    /// </summary>
    public static readonly TimeSpan ApprovalWait = TimeSpan.FromMinutes(30);

    /// <summary>A result longer than this is cut (the model is told).</summary>
    public const int MaxResultChars = 20_000;
}

/// <summary>How to reach one MCP server. Env and Headers hold secrets: never logged, never returned.</summary>
public sealed partial record ToolServerConfig
{
    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")]
    private static partial Regex HeaderName();

    public string? Command { get; init; }
    public List<string> Args { get; init; } = [];
    public Dictionary<string, string> Env { get; init; } = [];
    public string? Url { get; init; }
    public Dictionary<string, string> Headers { get; init; } = [];

    public string Transport => Url is null ? "stdio" : "http";

    /// <summary>What is wrong with this server's shape, in French; null when it is usable.</summary>
    public string? Problem(string name)
    {
        if (!ToolNames.IsServerName(name))
            return $"Le nom de serveur d’outils « {name} » n’est pas valable : lettres minuscules, chiffres, « - » et « _ », 32 caractères au plus.";
        if (string.IsNullOrWhiteSpace(Command) == string.IsNullOrWhiteSpace(Url))
            return $"Le serveur d’outils « {name} » doit avoir soit une commande (command), soit une adresse (url), pas les deux.";
        if (Url is not null && (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            return $"L’adresse du serveur d’outils « {name} » doit commencer par http:// ou https://.";
        if (Url is not null && (Args.Count > 0 || Env.Count > 0))
            return $"Le serveur d’outils « {name} » a une adresse : il ne prend ni arguments ni variables d’environnement.";
        if (Command is not null && Headers.Count > 0)
            return $"Le serveur d’outils « {name} » est une commande : il ne prend pas d’en-têtes HTTP.";
        if (Args.Any(a => a is null))
            return $"Les arguments du serveur d’outils « {name} » doivent être des textes.";
        if (Env.Any(kv => string.IsNullOrWhiteSpace(kv.Key) || kv.Key.Contains('=') || kv.Value is null))
            return $"Chaque variable d’environnement du serveur d’outils « {name} » doit avoir un nom (sans « = ») et une valeur.";
        // A name HTTP refuses would make the transport fail with a message quoting the value (a secret).
        if (Headers.Any(kv => !HeaderName().IsMatch(kv.Key) || kv.Value is null || kv.Value.Any(c => c is '\r' or '\n')))
            return $"Chaque en-tête du serveur d’outils « {name} » doit avoir un nom HTTP valable (lettres, chiffres, « - ») et une valeur sur une ligne.";
        if (Headers.Keys.Any(k => k.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || k.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
            || k.Equals("Host", StringComparison.OrdinalIgnoreCase)))
            return $"Le serveur d’outils « {name} » ne peut pas fixer les en-têtes Content-Type, Content-Length ou Host.";
        return null;
    }
}

/// <summary>The names the model sees: <c>{server}__{tool}</c>, in the characters every provider accepts.</summary>
public static partial class ToolNames
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,31}$")]
    private static partial Regex ServerName();

    [GeneratedRegex("[^a-zA-Z0-9_-]")]
    private static partial Regex NotAllowed();

    public static bool IsServerName(string name) => ServerName().IsMatch(name) && !name.Contains("__", StringComparison.Ordinal);

    public static string ForModel(string server, string tool)
    {
        var name = server + "__" + NotAllowed().Replace(tool, "_");
        return name.Length <= 64 ? name : name[..64];
    }
}
