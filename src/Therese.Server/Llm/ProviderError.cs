using System.ClientModel;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using Anthropic.Exceptions;
using Therese.Server.Llm.Local;

namespace Therese.Server.Llm;

/// <summary>A provider failure as the user sees it: a stable code and a French sentence.</summary>
public sealed record ProviderError(string Code, string Message, int HttpStatus)
{
    public static readonly ProviderError NotConfigured = new("not_configured",
        "Aucun modèle n’est configuré. Choisissez un modèle dans les Réglages de THÉRÈSE.", 503);

    public static readonly ProviderError Auth = new("auth",
        "Le fournisseur du modèle a refusé la clé d’API. Vérifiez la clé dans les Réglages.", 502);

    public static readonly ProviderError Unreachable = new("unreachable",
        "Impossible de joindre le fournisseur du modèle à cette adresse. Vérifiez l’URL et que le service est bien démarré.", 502);

    public static readonly ProviderError UnknownModel = new("unknown_model",
        "Le fournisseur ne connaît pas ce modèle. Choisissez-en un dans la liste des modèles.", 502);

    public static readonly ProviderError RateLimited = new("rate_limited",
        "Le fournisseur du modèle reçoit trop de demandes. Patientez un instant, puis réessayez.", 429);

    public static readonly ProviderError Overloaded = new("overloaded",
        "Le modèle est surchargé pour le moment. Réessayez dans quelques instants.", 503);

    public static readonly ProviderError Upstream = new("upstream",
        "Le fournisseur du modèle a rencontré une erreur. Réessayez.", 502);

    public static readonly ProviderError Timeout = new("timeout",
        "Le modèle ne répond plus. Réessayez.", 504);

    public static readonly ProviderError ShuttingDown = new("interrupted",
        "THÉRÈSE s’est arrêtée pendant la réponse. Le début de la réponse est conservé.", 503);

    public static readonly ProviderError Storage = new("storage",
        "THÉRÈSE n’a pas pu enregistrer la conversation. Réessayez.", 500);

    public const string ImagesUnsupportedCode = "images_unsupported";

    /// <summary>The server refused the images of a message: its model does not read images.</summary>
    public static ProviderError ImagesUnsupported(string? model) => new(ImagesUnsupportedCode,
        (string.IsNullOrWhiteSpace(model) ? "Ce modèle ne lit pas les images." : $"Ce modèle ne lit pas les images ({FrenchText.Quote(model)}).")
        + " Retirez l’image, ou choisissez dans les Réglages un modèle qui les lit ; votre message est conservé.", 422);

    /// <summary>The provider refused the request itself (HTTP 400), with its own explanation.</summary>
    public static ProviderError Rejected(string? providerMessage) => new("provider_rejected",
        string.IsNullOrWhiteSpace(providerMessage)
            ? "Le fournisseur du modèle a refusé la demande."
            : $"Le fournisseur du modèle a refusé la demande : « {Shorten(providerMessage)} »", 502);

    private static readonly ProviderError[] Known = [NotConfigured, Auth, Unreachable, UnknownModel, RateLimited, Overloaded, Upstream, Timeout, ShuttingDown, Storage];

    /// <summary>The error a saved answer ended with, from the code saved as its stop reason.</summary>
    public static ProviderError ByCode(string? code) =>
        Known.FirstOrDefault(e => e.Code == code) ?? code switch
        {
            "provider_rejected" => Rejected(null),
            ImagesUnsupportedCode => ImagesUnsupported(null),
            _ => Upstream,
        };

    /// <summary>Maps any exception thrown by the Anthropic or OpenAI SDK, or by a local model, to the error the user sees.</summary>
    public static ProviderError From(Exception ex)
    {
        if (ex is LocalModelException local) return Local(local);

        if (StatusOf(ex) is { } status)
            return status switch
            {
                400 => Rejected(ProviderMessageOf(ex)),
                401 or 403 => Auth,
                404 => UnknownModel,
                429 => RateLimited,
                503 or 529 => Overloaded,
                _ => Upstream,
            };

        if (CouldNotConnect(ex)) return Unreachable;

        var type = ErrorTypeOf(ex);
        return type switch
        {
            "overloaded_error" => Overloaded,
            "rate_limit_error" => RateLimited,
            "authentication_error" or "permission_error" => Auth,
            _ => Upstream,
        };
    }

    /// <summary>
    /// A local model's error keeps its code and French message. A request too long for the model is the request's
    /// fault (400); a failed generation is THÉRÈSE's (500); anything else means the configured model cannot serve (503).
    /// </summary>
    private static ProviderError Local(LocalModelException ex) => new(ex.Code, ex.Message, ex.Code switch
    {
        LocalModelException.ContextTooLong => 400,
        LocalModelException.GenerationFailed => 500,
        _ => 503,
    });

    private static int? StatusOf(Exception ex) => ex switch
    {
        AnthropicApiException a => (int)a.StatusCode,
        ClientResultException c when c.Status != 0 => c.Status,
        HttpRequestException { StatusCode: HttpStatusCode code } => (int)code,
        _ when ex.InnerException is { } inner => StatusOf(inner),
        _ => null,
    };

    /// <summary>The request never reached a server: refused connection, unknown host. A reset mid-answer is not this.</summary>
    private static bool CouldNotConnect(Exception ex) => ex switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError } => true,
        _ when ex.InnerException is { } inner => CouldNotConnect(inner),
        _ => false,
    };

    /// <summary>The provider's own explanation of a refused request, when it gave one.</summary>
    private static string? ProviderMessageOf(Exception ex)
    {
        if (ex is AnthropicApiException anthropic)
        {
            try
            {
                if (anthropic.Body.ValueKind == JsonValueKind.Object && anthropic.Body.TryGetProperty("error", out var error)
                    && error.TryGetProperty("message", out var message))
                    return message.GetString();
            }
            catch (InvalidOperationException)
            {
                // No body for this exception.
            }
        }
        if (ex is ClientResultException client && client.GetRawResponse() is { } response)
        {
            try
            {
                using var doc = JsonDocument.Parse(response.Content);
                if (doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                    && error.TryGetProperty("message", out var message))
                    return message.GetString();
            }
            catch (JsonException)
            {
                // Not JSON: say nothing rather than show a page of HTML.
            }
        }
        return ex.InnerException is { } inner ? ProviderMessageOf(inner) : null;
    }

    /// <summary>The provider's error type of a mid-stream error event, such as "overloaded_error".</summary>
    private static string? ErrorTypeOf(Exception ex)
    {
        if (ex is AnthropicServiceException service)
        {
            try
            {
                if (service.Body.ValueKind == JsonValueKind.Object
                    && service.Body.TryGetProperty("error", out var error)
                    && error.TryGetProperty("type", out var type))
                    return type.GetString();
                if (service.Body.ValueKind == JsonValueKind.Object && service.Body.TryGetProperty("type", out var bare))
                    return bare.GetString();
            }
            catch (InvalidOperationException)
            {
                // Body was not set for this exception.
            }
        }
        var text = ex.Message;
        if (text.Contains("overloaded", StringComparison.OrdinalIgnoreCase)) return "overloaded_error";
        if (text.Contains("rate_limit", StringComparison.OrdinalIgnoreCase)) return "rate_limit_error";
        return ex.InnerException is { } inner ? ErrorTypeOf(inner) : null;
    }

    private static string Shorten(string text)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}
