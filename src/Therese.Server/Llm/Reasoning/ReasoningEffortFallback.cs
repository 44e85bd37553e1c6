using System.ClientModel;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Reasoning;

/// <summary>
/// <c>reasoning_effort</c> goes to OpenAI-compatible servers that accept it. One that refuses it (Ollama for a model
/// that cannot think: « does not support thinking »; older servers: an unknown argument) is asked again without it,
/// before anything was streamed, and not asked with it again while these settings last.
/// </summary>
public sealed class ReasoningEffortFallback(IChatClient inner, ILogger logger) : DelegatingChatClient(inner)
{
    private volatile bool _refused;

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var asked = _refused ? Without(options) : options;
        var updates = base.GetStreamingResponseAsync(messages, asked, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool more;
        try
        {
            more = await updates.MoveNextAsync();
        }
        catch (ClientResultException ex) when (asked?.Reasoning is not null && Refuses(ex))
        {
            await updates.DisposeAsync();
            Remember(ex);
            updates = base.GetStreamingResponseAsync(messages, Without(options), cancellationToken).GetAsyncEnumerator(cancellationToken);
            more = await updates.MoveNextAsync();
        }
        try
        {
            while (more)
            {
                yield return updates.Current;
                more = await updates.MoveNextAsync();
            }
        }
        finally
        {
            await updates.DisposeAsync();
        }
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var asked = _refused ? Without(options) : options;
        try
        {
            return await base.GetResponseAsync(messages, asked, cancellationToken);
        }
        catch (ClientResultException ex) when (asked?.Reasoning is not null && Refuses(ex))
        {
            Remember(ex);
            return await base.GetResponseAsync(messages, Without(options), cancellationToken);
        }
    }

    private static bool Refuses(ClientResultException ex) =>
        ex.Status == 400 && (ex.Message.Contains("think", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("reasoning", StringComparison.OrdinalIgnoreCase));

    private void Remember(ClientResultException ex)
    {
        _refused = true;
        logger.LogInformation("The model server refused reasoning_effort ({Status}); answers go on without it", ex.Status);
    }

    private static ChatOptions? Without(ChatOptions? options)
    {
        if (options?.Reasoning is null) return options;
        var copy = options.Clone();
        copy.Reasoning = null;
        return copy;
    }
}
