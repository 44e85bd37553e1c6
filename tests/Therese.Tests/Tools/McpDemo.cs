namespace Therese.Tests.Tools;

/// <summary>The demo MCP server (tools/Therese.McpDemo) as THÉRÈSE's configuration starts it, with the tests' knobs.</summary>
public sealed class McpDemo
{
    /// <summary>Where <c>envoyer_courriel</c> records what it was asked to send.</summary>
    public string Outbox { get; } = Path.Combine(Path.GetTempPath(), "therese-tests", "outbox-" + Guid.NewGuid().ToString("N") + ".jsonl");

    /// <summary>Where the slow tool <c>attendre</c> records that it started, and how it ended.</summary>
    public string Log { get; } = Path.Combine(Path.GetTempPath(), "therese-tests", "mcp-log-" + Guid.NewGuid().ToString("N") + ".jsonl");

    /// <summary>Configuration for a stdio server named <paramref name="name"/>.</summary>
    public Dictionary<string, string?> Settings(string name = "demo") => new()
    {
        [$"Therese:Mcp:Servers:{name}:Command"] = "dotnet",
        [$"Therese:Mcp:Servers:{name}:Args:0"] = Path.Combine(AppContext.BaseDirectory, "Therese.McpDemo.dll"),
        [$"Therese:Mcp:Servers:{name}:Args:1"] = "--test-tools",
        [$"Therese:Mcp:Servers:{name}:Env:THERESE_MCP_DEMO_OUTBOX"] = Outbox,
        [$"Therese:Mcp:Servers:{name}:Env:THERESE_MCP_DEMO_LOG"] = Log,
    };

    public IReadOnlyList<string> OutboxLines => File.Exists(Outbox) ? File.ReadAllLines(Outbox) : [];

    public IReadOnlyList<string> LogLines => File.Exists(Log) ? File.ReadAllLines(Log) : [];
}
