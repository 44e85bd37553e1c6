using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Tools;

/// <summary>A Streamable HTTP server added from the page, with a header; its tools run in an answer like a stdio server's.</summary>
public sealed class StreamableHttpToolsTests : ServerTest
{
    [Fact]
    public async Task A_streamable_http_server_connects_and_its_tools_answer()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var server = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Therese.McpDemo.dll"), "--http", "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            JsonElement tested = default;
            for (var i = 0; i < 60; i++)
            {
                using (var put = await Http.PutAsync("/api/tools/servers/annuaire", Json(new
                {
                    url = $"http://127.0.0.1:{port}/mcp",
                    headers = new Dictionary<string, string> { ["Authorization"] = "Bearer jeton-annuaire-42" },
                })))
                    Assert.Equal(HttpStatusCode.OK, put.StatusCode);
                using var test = await Http.PostAsync("/api/tools/servers/annuaire/test", null);
                tested = JsonDocument.Parse(await test.Content.ReadAsStringAsync()).RootElement.Clone();
                if (tested.GetProperty("state").GetString() == "connected") break;
                await Task.Delay(500);
            }
            Assert.Equal("connected", tested.GetProperty("state").GetString());
            Assert.Equal(("http", "Authorization"), (tested.GetProperty("transport").GetString(), tested.GetProperty("header_keys")[0].GetString()));
            Assert.DoesNotContain("jeton-annuaire", tested.GetRawText());

            var script = new { tools = new[] { new { name = "annuaire__date_du_jour", arguments = new { } } }, text = "Voilà.", tps = 0, ttft_ms = 0 };
            await using var stream = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(script), resumable = true });
            var events = await stream.ReadToEndAsync();
            var result = events.Single(e => !e.IsDoneMarker && e.Type == "tool_result");
            Assert.True(result.Json.GetProperty("ok").GetBoolean());
            Assert.Contains("heure de Paris", result.Json.GetProperty("summary").GetString());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}

/// <summary>The model inside THÉRÈSE has no function calling: the page is told tools are off with it.</summary>
public sealed class LocalModelToolsTests : ServerTest
{
    private readonly McpDemo _demo = new();

    protected override string? Provider => null;

    protected override Dictionary<string, string?> Settings => new(_demo.Settings())
    {
        ["Therese:Llm:Provider"] = "local",
        ["Therese:Llm:Model"] = "tiny-chat.gguf",
    };

    [Fact]
    public async Task With_the_local_model_tools_are_listed_but_off()
    {
        using var response = await Http.GetAsync("/api/tools");
        var tools = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(tools.GetProperty("provider_supports_tools").GetBoolean());
        Assert.Equal("demo", tools.GetProperty("servers")[0].GetProperty("name").GetString());
    }
}

/// <summary>A server removed in Réglages while THÉRÈSE shuts down is stopped by both at once: neither fails.</summary>
public sealed class ToolServerDisposeTests
{
    [Fact]
    public async Task A_server_stopped_twice_at_once_stops_without_an_error()
    {
        var config = new Therese.Server.Tools.ToolServerConfig
        {
            Command = "dotnet",
            Args = [Path.Combine(AppContext.BaseDirectory, "Therese.McpDemo.dll")],
        };
        var server = new Therese.Server.Tools.ToolServer("demo", config, "settings", Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).Start();
        await Task.WhenAll(server.DisposeAsync().AsTask(), server.DisposeAsync().AsTask(), server.DisposeAsync().AsTask());
        await server.DisposeAsync();
    }
}
