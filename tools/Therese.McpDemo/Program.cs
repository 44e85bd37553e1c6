namespace Therese.McpDemo;

/// <summary>
/// A small MCP server for trying THÉRÈSE's tools and for its tests: stdio by default, Streamable HTTP with --http
/// (at /mcp, on --urls). --test-tools adds the knobs the tests need (a slow tool, a crash on demand, a long result).
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        var testTools = args.Contains("--test-tools");
        if (args.Contains("--http"))
        {
            var web = WebApplication.CreateBuilder(args);
            // Only the command line: built beside THÉRÈSE's tests, this folder holds THÉRÈSE's appsettings.json (and its Urls).
            web.Configuration.Sources.Clear();
            web.Configuration.AddCommandLine(args);
            web.WebHost.UseUrls(args.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault() ?? "http://127.0.0.1:5300");
            AddTools(web.Services.AddMcpServer().WithHttpTransport(o => o.Stateless = true), testTools);
            var app = web.Build();
            app.MapMcp("/mcp");
            await app.RunAsync();
            return;
        }

        var host = Host.CreateApplicationBuilder(args);
        // stdout carries the protocol: every log line goes to stderr.
        host.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        host.Logging.SetMinimumLevel(LogLevel.Warning);
        AddTools(host.Services.AddMcpServer().WithStdioServerTransport(), testTools);
        await host.Build().RunAsync();
    }

    private static void AddTools(IMcpServerBuilder mcp, bool testTools)
    {
        mcp.WithTools([typeof(TownHallTools)]);
        if (testTools) mcp.WithTools([typeof(TestTools)]);
    }
}
