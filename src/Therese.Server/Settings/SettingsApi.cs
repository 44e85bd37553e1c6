using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Audit;
using Therese.Server.Llm;

namespace Therese.Server.Settings;

public static class SettingsApi
{
    public static IEndpointRouteBuilder MapSettingsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/settings").WithTags("Settings");
        api.MapGet("/", Get).WithName("GetSettings").WithSummary("The model settings in force; the API key is never returned.");
        // Everyone sees which model answers; in team mode only an admin changes or probes it.
        var admin = api.MapGroup("").AddEndpointFilter(UsersApi.AdminInTeam);
        admin.MapPut("/", Put).WithName("SaveSettings").WithSummary("Saves any subset of the settings; the next message uses them.");
        admin.MapPost("/test", Test).WithName("TestSettings").WithSummary("Sends a very short request with the given (unsaved) values.");
        admin.MapGet("/models", ModelsFromQuery).WithName("ListModels").WithSummary("The provider's models, for provider and base_url in the query.");
        admin.MapPost("/models", ModelsFromBody).WithName("ListModelsWithKey").WithSummary("The provider's models, with unsaved values (an API key) in the body.");
        admin.MapGet("/ollama", Ollama).WithName("DetectOllama").WithSummary("Whether an Ollama answers on this machine, and its models.");
        return app;
    }

    public sealed record ApiKeyView(bool Set, string? Last4);

    public sealed record SettingsView(
        string? Provider, string Model, string? BaseUrl, ApiKeyView ApiKey, int MaxTokens, string SystemPrompt, string Reasoning,
        string DefaultSystemPrompt, bool Configured, IReadOnlyList<string> Locked, IReadOnlyDictionary<string, string> Sources);

    public sealed record TestAnswer(bool Ok, string? Sample, ErrorView? Error);
    public sealed record ErrorView(string Code, string Message);
    public sealed record ModelsAnswer(IReadOnlyList<ModelChoice> Models);

    public static SettingsView View(ResolvedSettings s) => new(
        s.Provider, s.Model, s.BaseUrl,
        new ApiKeyView(!string.IsNullOrEmpty(s.ApiKey), s.ApiKey is { Length: >= 8 } key ? key[^4..] : null),
        s.MaxTokens, s.SystemPrompt, s.Reasoning, ModelSettings.DefaultSystemPrompt, s.Configured,
        [.. SettingFields.All.Where(s.Locked.ContainsKey)], s.Locked);

    private static IResult Get(ChatModels models) => TypedResults.Ok(View(models.Current.Settings));

    private static async Task<IResult> Put(HttpRequest http, ChatModels models, AuditTrail audit, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (patch, problem) = await ReadPatchAsync(http, json.Value);
        if (patch is null) return problem!;
        if (LockedConflict(models.Current.Settings, patch) is { } locked) return locked;
        var saved = await models.SaveAsync(patch, ct);
        // The fields' names only: a key or a prompt is never written to the audit trail.
        await audit.RecordAsync(http.HttpContext, AuditActions.SettingsChanged, detail: string.Join(", ", patch.Fields()));
        return TypedResults.Ok(View(saved.Settings));
    }

    private static async Task<IResult> Test(HttpRequest http, ChatModels models, ModelProbe probe, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (patch, problem) = await ReadPatchAsync(http, json.Value, allowEmpty: true);
        if (patch is null) return problem!;
        var result = await probe.TestAsync(await models.PreviewAsync(patch, ct), ct);
        return TypedResults.Ok(new TestAnswer(result.Ok, result.Sample, result.Error is { } e ? new ErrorView(e.Code, e.Message) : null));
    }

    private static async Task<IResult> ModelsFromQuery(HttpRequest http, ChatModels models, ModelProbe probe, CancellationToken ct)
    {
        var (patch, error) = SettingsPatch.FromQuery(http.Query);
        if (patch is null) return Problems.BadRequest("invalid_setting", error!);
        return await ListAsync(patch, models, probe, ct);
    }

    private static async Task<IResult> ModelsFromBody(HttpRequest http, ChatModels models, ModelProbe probe, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (patch, problem) = await ReadPatchAsync(http, json.Value, allowEmpty: true);
        if (patch is null) return problem!;
        return await ListAsync(patch, models, probe, ct);
    }

    private static async Task<IResult> ListAsync(SettingsPatch patch, ChatModels models, ModelProbe probe, CancellationToken ct)
    {
        var (list, error) = await probe.ListModelsAsync(await models.PreviewAsync(patch, ct), ct);
        return list is null ? Problems.From(error!) : TypedResults.Ok(new ModelsAnswer(list));
    }

    private static async Task<IResult> Ollama(ModelProbe probe, CancellationToken ct) => TypedResults.Ok(await probe.OllamaAsync(ct));

    private static async Task<(SettingsPatch? Patch, IResult? Problem)> ReadPatchAsync(HttpRequest http, JsonOptions json, bool allowEmpty = false)
    {
        if (allowEmpty && http.ContentLength == 0) return (SettingsPatch.None, null);
        var (body, problem) = await JsonBody.ReadAsync<JsonDocument>(http, json.SerializerOptions);
        if (body is null) return (null, problem);
        using (body)
        {
            try
            {
                var (patch, error) = SettingsPatch.Parse(body.RootElement);
                return patch is null ? (null, Problems.BadRequest("invalid_setting", error!)) : (patch, null);
            }
            catch (InvalidOperationException)
            {
                // JsonDocument checks a string's encoding only when it is read: invalid UTF-8, a lone surrogate.
                return (null, Problems.BadRequest("invalid_json", "La requête contient un texte qui n’est pas de l’Unicode valide."));
            }
        }
    }

    /// <summary>A field pinned by the administrator cannot be changed from the page.</summary>
    private static IResult? LockedConflict(ResolvedSettings current, SettingsPatch patch)
    {
        foreach (var field in patch.Fields())
        {
            if (!current.Locked.TryGetValue(field, out var source)) continue;
            var unchanged = field switch
            {
                SettingFields.Provider => patch.Provider.Value == current.Provider,
                SettingFields.Model => patch.Model.Value == current.Model,
                SettingFields.BaseUrl => patch.BaseUrl.Value == current.BaseUrl,
                SettingFields.ApiKey => patch.ApiKey.Value == current.ApiKey,
                SettingFields.MaxTokens => patch.MaxTokens.Value == current.MaxTokens,
                SettingFields.SystemPrompt => patch.SystemPrompt.Value == current.SystemPrompt,
                SettingFields.Reasoning => (patch.Reasoning.Value ?? Llm.Reasoning.ReasoningLevel.Off) == current.Reasoning,
                _ => false,
            };
            if (!unchanged)
                return Problems.Create(StatusCodes.Status409Conflict, "setting_locked",
                    $"Le réglage {field} est fixé par {source} : il ne peut pas être modifié depuis THÉRÈSE.");
        }
        return null;
    }
}
