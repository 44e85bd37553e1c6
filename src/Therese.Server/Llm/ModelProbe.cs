using System.Text.Json;
using Anthropic.Models.Models;
using Microsoft.Extensions.AI;
using OpenAI.Models;
using Therese.Server.LocalModels;
using Therese.Server.Settings;

namespace Therese.Server.Llm;

public sealed record ModelChoice(string Id, string Name);

/// <summary>The answer of « Tester la connexion »: the model's first words, or the error the user must fix.</summary>
public sealed record ConnectionTest(bool Ok, string? Sample, ProviderError? Error);

/// <summary>Asks a provider, with settings that may not be saved yet, whether it answers and which models it has.</summary>
public sealed class ModelProbe(ChatClientFactory factory, ModelsFolder localModels, IConfiguration config, ILogger<ModelProbe> logger)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan OllamaTimeout = TimeSpan.FromSeconds(2);

    private const string MissingKey = "Indiquez la clé d’API du fournisseur.";
    private const string MissingUrl = "Indiquez l’adresse du service compatible OpenAI (par exemple http://localhost:11434/v1 pour Ollama).";
    private const string MissingLocalModel = "Choisissez un modèle installé, ou téléchargez-en un.";
    private const string MissingProvider = "Choisissez d’abord un fournisseur.";

    /// <summary>A very short request: no retry, a short timeout, the first words of the answer.</summary>
    public async Task<ConnectionTest> TestAsync(ResolvedSettings settings, CancellationToken ct)
    {
        if (Missing(settings) is { } missing) return new ConnectionTest(false, null, missing);
        var client = factory.Create(settings, maxRetries: 0)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TestTimeout);
        try
        {
            var response = await client.GetResponseAsync(
                [new ChatMessage(ChatRole.User, "Bonjour ! Réponds en une courte phrase, en français.")],
                new ChatOptions { MaxOutputTokens = 40 }, timeout.Token);
            return new ConnectionTest(true, FirstWords(response.Text), null);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var error = timeout.IsCancellationRequested ? ProviderError.Timeout : ProviderError.From(ex);
            logger.LogInformation("Connection test to {Provider} failed ({Code}): {Type}", settings.Provider, error.Code, ex.GetType().Name);
            return new ConnectionTest(false, null, error);
        }
    }

    /// <summary>The provider's own model list (GET /v1/models for both SDKs).</summary>
    public async Task<(IReadOnlyList<ModelChoice>? Models, ProviderError? Error)> ListModelsAsync(ResolvedSettings settings, CancellationToken ct)
    {
        // A local model is a file: the list is what is installed.
        if (settings.Provider == Providers.Local)
            return ([.. localModels.Installed().Select(m => new ModelChoice(m.File, m.File))], null);
        if (Missing(settings) is { } missing) return (null, missing);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ListTimeout);
        try
        {
            var models = settings.Provider switch
            {
                Providers.Anthropic => await AnthropicModelsAsync(settings, timeout.Token),
                Providers.OpenAi => await OpenAiModelsAsync(settings, timeout.Token),
                _ => [],
            };
            return (models, null);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var error = timeout.IsCancellationRequested ? ProviderError.Timeout : ProviderError.From(ex);
            // A 404 here is a wrong address, not an unknown model.
            if (error == ProviderError.UnknownModel) error = ProviderError.Unreachable;
            logger.LogInformation("Listing the models of {Provider} failed ({Code}): {Type}", settings.Provider, error.Code, ex.GetType().Name);
            return (null, error);
        }
    }

    private static async Task<IReadOnlyList<ModelChoice>> AnthropicModelsAsync(ResolvedSettings settings, CancellationToken ct)
    {
        var client = ChatClientFactory.Anthropic(settings, maxRetries: 0);
        var page = await client.Models.List(new ModelListParams { Limit = 100 }, ct);
        return [.. page.Items.Select(m => new ModelChoice(m.ID, string.IsNullOrWhiteSpace(m.DisplayName) ? m.ID : m.DisplayName))];
    }

    private static async Task<IReadOnlyList<ModelChoice>> OpenAiModelsAsync(ResolvedSettings settings, CancellationToken ct)
    {
        OpenAIModelClient client = ChatClientFactory.OpenAi(settings, maxRetries: 0).GetOpenAIModelClient();
        var models = await client.GetModelsAsync(ct);
        return [.. models.Value.Select(m => new ModelChoice(m.Id, m.Id)).OrderBy(m => m.Id, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Whether an Ollama answers on this machine, and its models (GET /api/tags).</summary>
    public async Task<OllamaStatus> OllamaAsync(CancellationToken ct)
    {
        var root = (SettingsPatch.Blank(config["Therese:Ollama:Url"]) ?? "http://localhost:11434").TrimEnd('/');
        var status = new OllamaStatus(false, root + "/v1", []);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(OllamaTimeout);
        try
        {
            using var response = await ProviderHttp.Shared.GetAsync(root + "/api/tags", timeout.Token);
            if (!response.IsSuccessStatusCode) return status;
            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
            var models = new List<ModelChoice>();
            if (doc.RootElement.TryGetProperty("models", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var m in list.EnumerateArray())
                    if (m.TryGetProperty("name", out var name) && name.GetString() is { Length: > 0 } id)
                        models.Add(new ModelChoice(id, id));
            return status with { Available = true, Models = models };
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return status;
        }
    }

    private static ProviderError? Missing(ResolvedSettings settings)
    {
        if (settings.Configured) return null;
        var message = settings.Provider switch
        {
            Providers.Anthropic => MissingKey,
            Providers.OpenAi => MissingUrl,
            Providers.Local => MissingLocalModel,
            null => MissingProvider,
            _ => ProviderError.NotConfigured.Message,
        };
        return new ProviderError("not_configured", message, 400);
    }

    private static string FirstWords(string text)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= 200 ? line : line[..200] + "…";
    }
}

public sealed record OllamaStatus(bool Available, string BaseUrl, IReadOnlyList<ModelChoice> Models);
