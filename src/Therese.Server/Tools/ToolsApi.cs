using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Audit;
using Therese.Server.Llm;
using Therese.Server.Settings;

namespace Therese.Server.Tools;

/// <summary>« Réglages » → « Outils »: the MCP servers, their state and tools; adding, testing and removing them.</summary>
public static class ToolsApi
{
    public static IEndpointRouteBuilder MapToolsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/tools").WithTags("Tools");
        api.MapGet("/", List).WithName("ListTools").WithSummary("The MCP servers, their state and their tools; secrets are never returned.");
        // Everyone sees which tools THÉRÈSE may use; in team mode only an admin changes them.
        var admin = api.MapGroup("/servers/{name}").AddEndpointFilter(UsersApi.AdminInTeam);
        admin.MapPut("/", Put).WithName("PutToolServer").WithSummary("Adds or replaces a server: a stdio command or a Streamable HTTP address.");
        admin.MapDelete("/", Delete).WithName("DeleteToolServer").WithSummary("Removes a server added in the settings.");
        admin.MapPost("/test", Test).WithName("TestToolServer").WithSummary("Reconnects to a server and lists its tools, or says why it fails.");
        admin.MapPut("/tools/{tool}", Override).WithName("OverrideToolApproval").WithSummary("Whether a tool asks the person first (null: as its annotations say).");
        return app;
    }

    public sealed record ToolView(string Name, string Description, bool NeedsApproval, bool ReadOnly, bool? ApprovalOverride);

    public sealed record ServerView(
        string Name, string Transport, string Source, bool Locked, string State, string? Reason,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Command,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Args,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
        IReadOnlyList<string> EnvKeys, IReadOnlyList<string> HeaderKeys, IReadOnlyList<ToolView> Tools);

    public sealed record ToolsView(IReadOnlyList<ServerView> Servers, bool ProviderSupportsTools);

    public sealed record ServerBody(string? Command, List<string>? Args, Dictionary<string, string>? Env, string? Url, Dictionary<string, string>? Headers);

    public sealed record OverrideBody(bool? NeedsApproval);

    public static ServerView View(ToolServer s, ToolServers servers) => new(
        s.Name, s.Config.Transport, s.Source, s.Source == "config", s.State, s.Reason,
        s.Config.Command, s.Config.Url is null ? s.Config.Args : null, s.Config.Url,
        [.. s.Config.Env.Keys.Order(StringComparer.Ordinal)], [.. s.Config.Headers.Keys.Order(StringComparer.Ordinal)],
        [.. s.Tools.Select(t => new ToolView(t.Name, t.Description ?? "", servers.NeedsApproval(s.Name, t),
            t.ProtocolTool.Annotations?.ReadOnlyHint == true, servers.OverrideOf(s.Name, t.Name)))]);

    /// <summary>Whether the model in force can use tools: the local model cannot (LLamaSharp has no function calling).</summary>
    public static bool SupportsTools(ActiveModel model) => model.Settings.Provider != Providers.Local;

    /// <summary>
    /// Team members see the servers, their state and tools, not how they are reached: a command line or an address can
    /// carry a secret (an <c>--api-key=</c> argument, a key in a query string) as much as variables and headers do.
    /// </summary>
    private static IResult List(ToolServers servers, ChatModels models, CurrentUser user) =>
        TypedResults.Ok(new ToolsView([.. servers.All.Select(s => !user.IsAdmin
            ? View(s, servers) with { Command = null, Args = null, Url = null, EnvKeys = [], HeaderKeys = [] }
            : View(s, servers))], SupportsTools(models.Current)));

    private static async Task<IResult> Put(string name, HttpRequest http, ToolServers servers, AuditTrail audit, IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (servers.IsConfigured(name)) return Locked(name);
        var (body, problem) = await JsonBody.ReadAsync<ServerBody>(http, json.Value.SerializerOptions);
        if (body is null) return problem!;
        var config = new ToolServerConfig
        {
            Command = string.IsNullOrWhiteSpace(body.Command) ? null : body.Command.Trim(),
            Args = body.Args ?? [],
            Env = body.Env ?? [],
            Url = string.IsNullOrWhiteSpace(body.Url) ? null : body.Url.Trim(),
            Headers = body.Headers ?? [],
        };
        if (config.Problem(name) is { } wrong) return Problems.BadRequest("invalid_tool_server", wrong);
        var server = await servers.PutAsync(name, config, ct);
        // The server's name and transport only: a command line, variables or headers may hold secrets.
        await audit.RecordAsync(http.HttpContext, AuditActions.ToolServerAdded, targetLabel: name, detail: config.Transport);
        return TypedResults.Ok(View(server, servers));
    }

    private static async Task<IResult> Delete(string name, HttpContext http, ToolServers servers, AuditTrail audit, CancellationToken ct)
    {
        if (servers.IsConfigured(name)) return Locked(name);
        if (servers.Find(name) is null) return UnknownServer;
        await servers.RemoveAsync(name, ct);
        await audit.RecordAsync(http, AuditActions.ToolServerRemoved, targetLabel: name);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Test(string name, ToolServers servers, CancellationToken ct)
    {
        if (servers.Find(name) is not { } server) return UnknownServer;
        return TypedResults.Ok(View(await servers.TestAsync(server, ct), servers));
    }

    private static async Task<IResult> Override(string name, string tool, HttpRequest http, ToolServers servers, AuditTrail audit,
        IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (servers.Find(name) is not { } server) return UnknownServer;
        var (body, problem) = await JsonBody.ReadAsync<OverrideBody>(http, json.Value.SerializerOptions);
        if (body is null) return problem!;
        await servers.SetOverrideAsync(name, tool, body.NeedsApproval, ct);
        await audit.RecordAsync(http.HttpContext, AuditActions.ToolApprovalChanged, targetLabel: name + " › " + tool,
            detail: body.NeedsApproval switch { true => "needs_approval", false => "no_approval", null => "annotations" });
        return TypedResults.Ok(View(server, servers));
    }

    private static readonly IResult UnknownServer = Problems.NotFound("Ce serveur d’outils n’existe pas ou a été retiré.");

    private static IResult Locked(string name) => Problems.Create(StatusCodes.Status409Conflict, "server_locked",
        $"Le serveur d’outils « {name} » est défini par la configuration de THÉRÈSE : il ne se change pas depuis les Réglages.");
}
