using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using ChatCompletion = OpenAI.Chat.ChatCompletion;
using StreamingChatCompletionUpdate = OpenAI.Chat.StreamingChatCompletionUpdate;

namespace Therese.Server.Llm.Reasoning;

/// <summary>
/// Ollama, OpenRouter and current vLLM stream a reasoning model's thoughts in <c>delta.reasoning</c>, a field the
/// M.E.AI OpenAI adapter ignores (it reads only DeepSeek's <c>reasoning_content</c>): read from the raw chunk, it
/// becomes reasoning like any other.
/// </summary>
public sealed class ReasoningFieldChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.RawRepresentation is StreamingChatCompletionUpdate raw && !update.Contents.Any(c => c is TextReasoningContent)
                && Read(raw) is { Length: > 0 } reasoning)
                update.Contents.Insert(0, new TextReasoningContent(reasoning));
            yield return update;
        }
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken);
#pragma warning disable SCME0001 // JsonPatch is the SDK's way to read fields it does not model
        if (response.RawRepresentation is ChatCompletion raw && response.Messages.LastOrDefault() is { } message
            && !message.Contents.Any(c => c is TextReasoningContent)
            && raw.Patch.TryGetValue("$.choices[0].message.reasoning"u8, out string? reasoning) && !string.IsNullOrEmpty(reasoning))
            message.Contents.Insert(0, new TextReasoningContent(reasoning));
#pragma warning restore SCME0001
        return response;
    }

#pragma warning disable SCME0001
    private static string? Read(StreamingChatCompletionUpdate raw) =>
        raw.Patch.TryGetValue("$.choices[0].delta.reasoning"u8, out string? reasoning) ? reasoning : null;
#pragma warning restore SCME0001
}
