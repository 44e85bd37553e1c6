using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Therese.Server.Tools;

/// <summary>One tool as an answer offers it to the model.</summary>
/// <param name="ModelName">The name the model calls it by (<c>{server}__{tool}</c>).</param>
public sealed record OfferedTool(string ModelName, string Server, string Name, string Description, bool NeedsApproval, AIFunctionDeclaration Declaration);

/// <summary>What a tool call gave: the text for the model and the person, and a short French summary.</summary>
public sealed record ToolCallResult(bool Ok, string Summary, string Text);

/// <summary>
/// The organisation's MCP servers: those of the configuration (read-only) and those added in « Réglages », each
/// connected in the background. Lists their tools, decides which need approval, and calls them.
/// </summary>
public sealed class ToolServers(IOptions<McpOptions> options, ToolServerStore store, ILoggerFactory loggers) : IHostedService
{
    private readonly ConcurrentDictionary<string, ToolServer> _servers = new();
    private readonly SemaphoreSlim _changes = new(1, 1);
    private volatile Dictionary<string, bool> _overrides = [];
    private readonly ILogger _logger = loggers.CreateLogger<ToolServers>();

    public TimeSpan CallTimeout => TimeSpan.FromSeconds(options.Value.CallTimeoutSeconds);

    public IReadOnlyList<ToolServer> All => [.. _servers.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    public ToolServer? Find(string name) => _servers.GetValueOrDefault(name);

    public bool IsConfigured(string name) => options.Value.Servers.ContainsKey(name);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, config) in options.Value.Servers)
            _servers[name] = new ToolServer(name, config, "config", loggers).Start();
        try
        {
            foreach (var (name, config) in await store.ReadServersAsync(cancellationToken))
                if (!_servers.ContainsKey(name) && config.Problem(name) is null)
                    _servers[name] = new ToolServer(name, config, "settings", loggers).Start();
            _overrides = await store.ReadOverridesAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // The database is checked elsewhere; THÉRÈSE still answers, without the servers added in Réglages.
            _logger.LogError(ex, "The MCP servers saved in the settings could not be read");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_servers.Values.Select(s => s.DisposeAsync().AsTask()));
        _servers.Clear();
    }

    /// <summary>Adds or replaces a server added in Réglages, and connects to it.</summary>
    public async Task<ToolServer> PutAsync(string name, ToolServerConfig config, CancellationToken ct)
    {
        await _changes.WaitAsync(ct);
        try
        {
            await store.SaveServerAsync(name, config, ct);
            var server = new ToolServer(name, config, "settings", loggers).Start();
            if (_servers.TryGetValue(name, out var old)) await old.DisposeAsync();
            _servers[name] = server;
            return server;
        }
        finally
        {
            _changes.Release();
        }
    }

    public async Task RemoveAsync(string name, CancellationToken ct)
    {
        await _changes.WaitAsync(ct);
        try
        {
            await store.RemoveServerAsync(name, ct);
            if (_servers.TryRemove(name, out var old)) await old.DisposeAsync();
            _overrides = await store.ReadOverridesAsync(ct);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Reconnects to a server now (« Tester ») and returns it once it is connected or has failed.</summary>
    public async Task<ToolServer> TestAsync(ToolServer server, CancellationToken ct)
    {
        await _changes.WaitAsync(ct);
        ToolServer fresh;
        try
        {
            fresh = new ToolServer(server.Name, server.Config, server.Source, loggers).Start();
            if (_servers.TryGetValue(server.Name, out var old)) await old.DisposeAsync();
            _servers[server.Name] = fresh;
        }
        finally
        {
            _changes.Release();
        }
        await fresh.SettledAsync(ct);
        return fresh;
    }

    public async Task SetOverrideAsync(string server, string tool, bool? needsApproval, CancellationToken ct)
    {
        await store.SaveOverrideAsync(server, tool, needsApproval, ct);
        _overrides = await store.ReadOverridesAsync(ct);
    }

    /// <summary>The admin's choice for this tool, or null when its annotations decide.</summary>
    public bool? OverrideOf(string server, string tool) => _overrides.TryGetValue(server + "/" + tool, out var b) ? b : null;

    /// <summary>A tool asks the person first unless its annotations say it only reads, or the admin decided otherwise.</summary>
    public bool NeedsApproval(string server, McpClientTool tool) =>
        OverrideOf(server, tool.Name) ?? tool.ProtocolTool.Annotations?.ReadOnlyHint != true;

    /// <summary>The tools an answer offers the model: those of every server, connected or not (a call to one that is down is told so).</summary>
    public IReadOnlyList<OfferedTool> Offer() =>
        [.. All.SelectMany(s => s.KnownTools.Select(t => new OfferedTool(ToolNames.ForModel(s.Name, t.Name), s.Name, t.Name, t.Description ?? "",
            NeedsApproval(s.Name, t), AIFunctionFactory.CreateDeclaration(ToolNames.ForModel(s.Name, t.Name), t.Description, t.JsonSchema))))
            .DistinctBy(t => t.ModelName)];

    /// <summary>
    /// Calls a tool. Never throws for the tool's own failures (an error, a timeout, a server down): they are results the
    /// model is told. Throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> is cancelled (the
    /// SDK sends MCP's cancellation to the server).
    /// </summary>
    public async Task<ToolCallResult> CallAsync(OfferedTool tool, IDictionary<string, object?>? arguments, CancellationToken ct)
    {
        if (Find(tool.Server)?.Client is not { } client)
            return Failed($"Le serveur d’outils « {tool.Server} » est indisponible pour le moment.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CallTimeout);
        try
        {
            var result = await client.CallToolAsync(tool.Name, arguments?.ToDictionary() ?? [], cancellationToken: timeout.Token);
            var text = TextOf(result);
            return result.IsError == true
                ? new ToolCallResult(false, Summary(text.Length > 0 ? text : "L’outil a signalé une erreur."), text)
                : new ToolCallResult(true, Summary(text), text);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed($"L’outil n’a pas répondu en {options.Value.CallTimeoutSeconds} secondes.");
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (McpException ex)
        {
            // The tool refused the call (unknown arguments, say): its words go to the model, not to the log.
            _logger.LogInformation("The MCP tool {Server}/{Tool} failed: {Type}", tool.Server, tool.Name, ex.GetType().Name);
            return Failed(Find(tool.Server)?.Client is null
                ? $"Le serveur d’outils « {tool.Server} » s’est arrêté pendant l’appel."
                : $"L’outil a échoué : {ex.Message}");
        }
        catch (Exception ex)
        {
            _logger.LogWarning("The MCP tool {Server}/{Tool} could not be called: {Type}", tool.Server, tool.Name, ex.GetType().Name);
            return Failed($"Le serveur d’outils « {tool.Server} » s’est arrêté pendant l’appel.");
        }
    }

    public static ToolCallResult Failed(string reason) => new(false, reason, reason);

    /// <summary>The first 200 characters, on one line.</summary>
    public static string Summary(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 200 ? line[..200] : line;
    }

    private static string TextOf(CallToolResult result)
    {
        var text = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (text.Length > 0) text.Append('\n');
            text.Append(block switch
            {
                TextContentBlock t => t.Text,
                _ => $"[{block.Type}]",
            });
        }
        if (text.Length == 0 && result.StructuredContent is { } structured) text.Append(JsonSerializer.Serialize(structured));
        return text.ToString();
    }
}
