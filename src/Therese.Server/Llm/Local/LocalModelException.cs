namespace Therese.Server.Llm.Local;

/// <summary>
/// Why a local model cannot answer, with a stable code (the same as the <see cref="ProviderError"/> it maps to)
/// and a French sentence for the user.
/// </summary>
public sealed class LocalModelException(string code, string message, Exception? inner = null)
    : Exception(Typeset(message), inner)
{
    public const string Missing = "model_missing";
    public const string Invalid = "model_invalid";
    public const string Unsupported = "model_unsupported";
    public const string ContextTooLong = "context_too_long";
    public const string NativeLibrary = "native_library";
    public const string GenerationFailed = "generation_failed";

    public string Code { get; } = code;

    internal static LocalModelException NoModel() => new(Missing,
        "Aucun modèle local n’est choisi. Indiquez dans Therese:Llm:Model le nom d’un fichier .gguf du dossier des modèles, " +
        "ou le chemin complet d’un fichier .gguf.");

    internal static LocalModelException BadName(string name, string modelsPath) => new(Missing,
        $"« {name} » n’est pas un nom de modèle valable : indiquez le nom d’un fichier du dossier {modelsPath}, " +
        "ou le chemin complet d’un fichier .gguf.");

    internal static LocalModelException NotFound(string name, string where) => new(Missing,
        $"Le modèle « {name} » est introuvable ({where}). Vérifiez le nom du fichier ou téléchargez le modèle.");

    internal static LocalModelException Corrupt(string name, string why, Exception? inner = null) => new(Invalid,
        $"Le fichier du modèle « {name} » est illisible ou abîmé : {why} Téléchargez-le de nouveau.", inner);

    internal static LocalModelException Unreadable(string name, Exception inner) => new(Invalid,
        $"Le fichier du modèle « {name} » ne peut pas être lu ({inner.Message}). Vérifiez qu’il existe et que THÉRÈSE a le droit de le lire.", inner);

    internal static LocalModelException Truncated(string name, long actual, long expected) => new(Invalid,
        $"Le fichier du modèle « {name} » est incomplet : il fait {Size(actual)} au lieu de {Size(expected)}. " +
        "Le téléchargement s’est sans doute interrompu ; téléchargez-le de nouveau.");

    internal static LocalModelException UnknownArchitecture(string name, string architecture) => new(Unsupported,
        $"Le modèle « {name} » utilise l’architecture « {architecture} », que cette version de THÉRÈSE ne sait pas exécuter. " +
        "Choisissez un autre modèle.");

    internal static LocalModelException NoChatTemplate(string name, Exception? inner = null) => new(Unsupported,
        $"Le modèle « {name} » ne fournit pas de modèle de conversation reconnu (chat template). " +
        "Choisissez une version « Instruct » ou « Chat » de ce modèle.", inner);

    internal static LocalModelException LoadFailed(string name, string? detail, Exception? inner = null) => new(Invalid,
        $"Le modèle « {name} » n’a pas pu être chargé." + (detail is null ? "" : $" Détail (llama.cpp) : {detail.TrimEnd('.')}.") +
        " Vérifiez le fichier ou choisissez un autre modèle.", inner);

    internal static LocalModelException TooLong(int promptTokens, int contextSize) => new(ContextTooLong,
        $"La conversation est trop longue pour le modèle local : {promptTokens} jetons, pour un contexte de {contextSize}. " +
        "Commencez une nouvelle conversation ou raccourcissez le message.");

    internal static LocalModelException Native(string diagnosis, Exception? inner = null) => new(NativeLibrary,
        $"Le moteur des modèles locaux (llama.cpp) n’a pas pu démarrer : {diagnosis}", inner);

    internal static LocalModelException Failed(string detail, Exception? inner = null) => new(GenerationFailed,
        $"Le modèle local s’est arrêté sur une erreur ({detail}). Réessayez.", inner);

    /// <summary>French spacing: no-break spaces inside guillemets and before a colon, narrow ones before ; ! ?</summary>
    private static string Typeset(string text) => text
        .Replace("« ", "«\u00a0", StringComparison.Ordinal)
        .Replace(" »", "\u00a0»", StringComparison.Ordinal)
        .Replace(" :", "\u00a0:", StringComparison.Ordinal)
        .Replace(" ;", "\u202f;", StringComparison.Ordinal)
        .Replace(" !", "\u202f!", StringComparison.Ordinal)
        .Replace(" ?", "\u202f?", StringComparison.Ordinal);

    private static string Size(long bytes) =>
        bytes >= 1 << 20
            ? string.Create(System.Globalization.CultureInfo.GetCultureInfo("fr-FR"), $"{bytes / 1048576.0:0.0}\u00a0Mo")
            : string.Create(System.Globalization.CultureInfo.GetCultureInfo("fr-FR"), $"{bytes:N0}\u00a0octets");
}
