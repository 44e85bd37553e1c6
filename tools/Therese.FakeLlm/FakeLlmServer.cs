using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Therese.FakeLlm;

/// <summary>
/// A fake Anthropic Messages + OpenAI chat completions server on Kestrel, scripted by <c>::fake {json}</c> directives
/// in the last user message. Use <see cref="StartAsync"/> in-process, or run the project standalone.
/// </summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    /// <summary>Models whose name starts with this cannot think: thinking or reasoning_effort asked of them is a 400.</summary>
    public const string NoThinkingModelPrefix = FakeEngine.NoThinkingModelPrefix;

    /// <summary>The data of the redacted_thinking block a <c>"redacted":true</c> directive sends.</summary>
    public const string RedactedThinkingData = FakeEngine.RedactedData;

    /// <summary>The signature the fake gives a thinking block with this text (and expects back with it).</summary>
    public static string SignatureOf(string thinking) => Wire.SignatureOf(thinking);

    internal static readonly JsonSerializerOptions LogJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    private readonly WebApplication _app;
    private readonly FakeState _state;

    private FakeLlmServer(WebApplication app, FakeState state, FakeHub hub, string baseUrl)
    {
        _app = app;
        _state = state;
        Hub = hub;
        BaseUrl = baseUrl;
    }

    /// <summary>Starts Kestrel on <paramref name="url"/> (port 0 picks a free port).</summary>
    /// <param name="hubFolder">Optional folder the fake hub also serves, laid out as <c>{owner}/{name}/{file}</c>.</param>
    /// <param name="certificate">
    /// Optional: serve HTTPS with this certificate on the host and port of <paramref name="url"/> (HTTP/1.1 and HTTP/2, chosen by
    /// ALPN), as the real providers do; the clients must trust it.
    /// </param>
    public static async Task<FakeLlmServer> StartAsync(string url = "http://127.0.0.1:0", string? hubFolder = null, CancellationToken ct = default,
        X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        if (certificate is null)
        {
            builder.WebHost.UseKestrelCore().UseUrls(url);
        }
        else
        {
            var uri = new Uri(url);
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Parse(uri.Host), uri.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }));
        }
        var state = new FakeState();
        var hub = new FakeHub(hubFolder);
        var app = builder.Build();
        Map(app, state, hub);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel did not report a listening address.");
        return new FakeLlmServer(app, state, hub, address.TrimEnd('/'));
    }

    /// <summary>Base URL, e.g. "http://127.0.0.1:41234" (no trailing slash). OpenAI clients use BaseUrl + "/v1".</summary>
    public string BaseUrl { get; }

    /// <summary>The fake Hugging Face hub served by this server (model downloads); it keeps its own log.</summary>
    public FakeHub Hub { get; }

    /// <summary>Snapshot of the request log, oldest first. The entries themselves keep updating while requests run.</summary>
    public IReadOnlyList<FakeRequest> Requests => _state.Snapshot();

    /// <summary>Requests with this API key get 401, as a real provider answers a wrong key.</summary>
    public void RefuseKey(string key) => _state.RefuseKey(key);

    /// <summary>Clears the log and the "times" counters.</summary>
    public void ClearLog() => _state.Clear();

    /// <summary>Polls the log until a request matches; throws <see cref="TimeoutException"/> listing what was logged.</summary>
    public Task<FakeRequest> WaitForRequestAsync(Func<FakeRequest, bool> match, TimeSpan timeout) =>
        Polling.WaitForAsync(_state.Snapshot, match, timeout, $"FakeLlmServer at {BaseUrl}");

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try { await _app.StopAsync(cts.Token); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }

    internal static async Task RunStandaloneAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // HTTPS endpoints from configuration (--urls https://… with Kestrel:Certificates:Default:Path/KeyPath): HTTP/2 as the real providers.
        builder.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
            builder.WebHost.UseUrls("http://127.0.0.1:5299");
        var state = new FakeState();
        var hub = new FakeHub(builder.Configuration["hub-dir"]);
        var app = builder.Build();
        Map(app, state, hub);
        app.Lifetime.ApplicationStarted.Register(() =>
            Console.WriteLine($"THÉRÈSE fake LLM provider listening on {string.Join(", ", app.Urls)}  (Anthropic: /v1/messages, OpenAI: /v1/chat/completions, log: /_fake/log, hub: /{{owner}}/{{name}}/resolve/main/{{file}})"));
        await app.RunAsync();
    }

    private static void Map(WebApplication app, FakeState state, FakeHub hub)
    {
        hub.Map(app);
        app.MapGet("/", () => Results.Text(Description, "text/plain; charset=utf-8"));
        app.MapPost("/v1/messages", ctx => FakeEngine.HandleAsync(ctx, state, new AnthropicWire()));
        app.MapPost("/v1/chat/completions", ctx => FakeEngine.HandleAsync(ctx, state, new OpenAiWire()));
        app.MapPost("/chat/completions", ctx => FakeEngine.HandleAsync(ctx, state, new OpenAiWire()));
        app.MapGet("/v1/models", (HttpRequest r) => Models(r, state));
        app.MapGet("/models", (HttpRequest r) => Models(r, state));
        // Ollama's own API, for THÉRÈSE's onboarding: which models a local Ollama has.
        app.MapGet("/api/tags", () => Results.Text(
            """{"models":[{"name":"fake-model","model":"fake-model","size":1000},{"name":"fake-model-fast","model":"fake-model-fast","size":1000}]}""",
            "application/json"));
        app.MapGet("/_fake/log", () => Results.Text(JsonSerializer.Serialize(state.Snapshot(), LogJson), "application/json; charset=utf-8"));
        app.MapDelete("/_fake/log", () =>
        {
            state.Clear();
            return Results.NoContent();
        });
    }

    private static IResult Models(HttpRequest request, FakeState state)
    {
        var anthropic = !string.IsNullOrEmpty(request.Headers["x-api-key"].ToString()) || request.Headers.ContainsKey("anthropic-version");
        var hasKey = !string.IsNullOrWhiteSpace(request.Headers["x-api-key"].ToString()) || request.Headers.Authorization.ToString().Length > 7;
        if (!hasKey || state.Refuses(request))
        {
            Wire wire = anthropic ? new AnthropicWire() : new OpenAiWire();
            return Results.Text(wire.ErrorJson(401, wire.ErrorTypeForStatus(401), "invalid api key"), "application/json", statusCode: 401);
        }
        return Results.Text(ModelsJson(), "application/json");
    }

    /// <summary>A models list that both the OpenAI (object/owned_by) and the Anthropic (type/display_name) shapes accept.</summary>
    private static string ModelsJson()
    {
        static object Model(string id, string name) => new Dictionary<string, object>
        {
            ["id"] = id, ["object"] = "model", ["type"] = "model", ["created"] = 1735689600, ["owned_by"] = "therese",
            ["display_name"] = name, ["created_at"] = "2025-01-01T00:00:00Z",
        };
        return System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["object"] = "list",
            ["data"] = new[] { Model("fake-model", "THÉRÈSE fake model"), Model("fake-model-fast", "THÉRÈSE fake model (fast)") },
            ["has_more"] = false, ["first_id"] = "fake-model", ["last_id"] = "fake-model-fast",
        }, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private const string Description =
        """
        THÉRÈSE fake LLM provider (test double for the Anthropic and OpenAI APIs).
          POST /v1/messages          Anthropic Messages API (x-api-key or Authorization: Bearer; any non-empty key)
          POST /v1/chat/completions  OpenAI chat completions (Authorization: Bearer; any non-empty key)
          GET  /v1/models            model list (GET /api/tags: the same, as Ollama lists them)
          GET  /_fake/log            JSON log of received requests;  DELETE /_fake/log clears it
          GET|HEAD /{owner}/{name}/resolve/main/{file}   fake Hugging Face hub (302 to /_fake/cdn/…, X-Linked-Size, X-Linked-ETag)
          GET  /_fake/hub/log        JSON log of hub requests;  DELETE /_fake/hub/log clears it
        Script the answer with a line `::fake {json}` in the last user message, e.g.
          ::fake {"tokens":200,"tps":50,"ttft_ms":100,"markdown":true}
          ::fake {"text":"Bonjour !","error_after":1}
        See tools/Therese.FakeLlm/README.md.
        """;
}
