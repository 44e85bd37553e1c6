using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Therese.Server.Llm;

namespace Therese.Server.Chat;

public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var chat = app.MapGroup("/api/chat").WithTags("Chat");
        chat.MapPost("/stream", Stream).WithName("StreamChat").WithSummary("Streams the answer to a message over SSE.");
        chat.MapPost("/message", Message).WithName("SendMessage").WithSummary("Answers a message in one piece.");
        return app;
    }

    private static async Task<IResult> Stream(HttpContext http, ChatModels models, ChatTurns turns, ChatRunner runner, IOptions<JsonOptions> json)
    {
        var (turn, problem) = await PrepareAsync(http, models, turns, json.Value);
        if (problem is not null) return problem;

        // No proxy may buffer or transform the stream, and nothing may compress it.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Response.OnStarting(() =>
        {
            http.Response.Headers.CacheControl = "no-cache, no-transform";
            http.Response.Headers.ContentEncoding = "identity";
            return Task.CompletedTask;
        });
        return TypedResults.ServerSentEvents(runner.StreamAsync(turn!, http.RequestAborted));
    }

    private static async Task<IResult> Message(HttpContext http, ChatModels models, ChatTurns turns, ChatRunner runner, IOptions<JsonOptions> json)
    {
        var (turn, problem) = await PrepareAsync(http, models, turns, json.Value);
        if (problem is not null) return problem;

        var (text, error) = await runner.CompleteAsync(turn!, http.RequestAborted);
        if (error is not null) return Problems.From(error);
        return TypedResults.Ok(new MessageAnswer(text, turn!.ConversationId, turn.AssistantId));
    }

    private static async Task<(ChatTurn? Turn, IResult? Problem)> PrepareAsync(HttpContext http, ChatModels models, ChatTurns turns, JsonOptions json)
    {
        var model = models.Current;
        if (!model.IsConfigured) return (null, Problems.From(ProviderError.NotConfigured));
        var (request, problem) = await ChatRequest.ReadAsync(http.Request, json.SerializerOptions);
        if (problem is not null) return (null, problem);
        return await turns.PrepareAsync(request!, model, http.RequestAborted);
    }

    public sealed record MessageAnswer(string Content, string ConversationId, string MessageId);
}
