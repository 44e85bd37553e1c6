namespace Therese.Server.LocalModels;

/// <param name="Size">Approximate, from the hub pages; the real size comes from the hub when the download starts.</param>
/// <param name="Ram">Approximate memory the model takes while answering, weights plus a 4k-token context.</param>
public sealed record CatalogModel(
    string Id, string Name, string Repo, string File, long Size, string Licence, string Description, long Ram, bool Recommended);

/// <summary>
/// Small instruct models, quantised to Q4_K_M, that run on a laptop CPU and answer well in French.
/// Left out on purpose: Gemma 3 1B and SmolLM2 (English only), Qwen3 (its &lt;think&gt; blocks cannot be turned off
/// without a Jinja template).
/// </summary>
public static class ModelCatalog
{
    private const long MB = 1_000_000;

    public static IReadOnlyList<CatalogModel> Models { get; } =
    [
        new("qwen2.5-1.5b-instruct", "Qwen2.5 1.5B Instruct",
            "bartowski/Qwen2.5-1.5B-Instruct-GGUF", "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf", 986 * MB, "Apache-2.0",
            "Le meilleur choix pour commencer : multilingue, bon en français pour sa taille, rapide sur un portable récent.",
            1_500 * MB, Recommended: true),
        new("llama-3.2-1b-instruct", "Llama 3.2 1B Instruct",
            "bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q4_K_M.gguf", 808 * MB, "Llama 3.2 Community License",
            "Le petit modèle de Meta, qui parle officiellement français : réponses courtes et vives.",
            1_200 * MB, Recommended: false),
        new("qwen2.5-0.5b-instruct", "Qwen2.5 0.5B Instruct",
            "bartowski/Qwen2.5-0.5B-Instruct-GGUF", "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf", 398 * MB, "Apache-2.0",
            "Pour les machines modestes : très léger et rapide, mais moins précis sur les questions difficiles.",
            700 * MB, Recommended: false),
    ];
}
