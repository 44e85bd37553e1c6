using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Anthropic;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Therese.Server.Llm;

namespace Therese.Bench;

/// <summary>
/// The baseline of section 1: the smallest relay that does THÉRÈSE's job on the wire. The same SDK
/// (<c>AsIChatClient</c>), the same HttpClient settings, <c>TypedResults.ServerSentEvents</c>, the same event
/// JSON; no storage, no conversation, no log for followers. POST /relay {"content": "..."}.
/// </summary>
public sealed class MinimalRelay : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MinimalRelay(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public sealed record RelayRequest(string Content);

    public static async Task<MinimalRelay> StartAsync(string providerUrl)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var model = new AnthropicClient(new Anthropic.Core.ClientOptions
        {
            ApiKey = "k", BaseUrl = providerUrl, MaxRetries = 0, HttpClient = ProviderHttp.Create(),
        }).AsIChatClient("fake-model", 16000);
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var app = builder.Build();
        app.MapPost("/relay", (RelayRequest request, CancellationToken ct) =>
            TypedResults.ServerSentEvents(Relay(model, request.Content, json, ct)));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MinimalRelay(app, address.TrimEnd('/'));
    }

    private static async IAsyncEnumerable<SseItem<string>> Relay(IChatClient model, string content, JsonSerializerOptions json,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var id = 0;
        await foreach (var update in model.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, content)], new ChatOptions { MaxOutputTokens = 16000 }, ct))
            if (update.Text is { Length: > 0 } text)
                yield return new SseItem<string>(JsonSerializer.Serialize(new { type = "delta", content = text }, json)) { EventId = (++id).ToString() };
        yield return new SseItem<string>("[DONE]");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
