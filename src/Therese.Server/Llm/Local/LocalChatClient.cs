using System.Runtime.CompilerServices;
using System.Text;
using LLama;
using LLama.Exceptions;
using LLama.Native;
using Microsoft.Extensions.AI;
using Therese.Server.Llm.Reasoning;

namespace Therese.Server.Llm.Local;

/// <summary>
/// A local GGUF model behind <see cref="IChatClient"/>, like the remote providers: one update per token that
/// completes some text, then an update with the finish reason and the token usage.
/// Errors are <see cref="LocalModelException"/>s; Stop (the cancellation token) ends the answer between two tokens.
/// </summary>
/// <param name="host">The app's one <see cref="LocalModelHost"/>.</param>
/// <param name="model">A file name in the models folder, or an absolute path to a .gguf file.</param>
public sealed class LocalChatClient(LocalModelHost host, string model) : IChatClient
{
    /// <summary>Longest answer when <see cref="ChatOptions.MaxOutputTokens"/> is not set.</summary>
    public const int DefaultMaxOutputTokens = 4096;

    private readonly ChatClientMetadata _metadata = new("local", null, model);

    public string Model => model;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.Contents.All(c => c is ModelLoadingContent)) continue;
            updates.Add(update);
        }
        return updates.ToChatResponse();
    }

    /// <summary>
    /// Streams the answer. Waits while another local answer runs. Its first update carries only a
    /// <see cref="ModelLoadingContent"/> when the model must be loaded first. Dispose the enumerator (await foreach does):
    /// the next request waits until it is.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        var responseId = Guid.NewGuid().ToString("N");
        var maxTokens = options?.MaxOutputTokens is > 0 and var max ? max : DefaultMaxOutputTokens;

        // A wrong name fails at once, before the chat says it is loading anything.
        host.ResolvePath(model);
        using var turn = await host.TakeTurnAsync(cancellationToken);
        if (!host.IsLoaded(model))
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new ModelLoadingContent(model)]) { ResponseId = responseId, ModelId = model };

        using var lease = await host.LoadAsync(model, cancellationToken);
        using var generation = host.Generate(lease.Model, options, cancellationToken);
        var formatted = FormatPrompt(lease.Model.Weights, history, options, model);
        var prompt = generation.Tokenize(formatted);
        var thinking = new ThinkTagParser(opened: ThinkingSwitch.Opened(formatted));
        await foreach (var done in generation.PrefillAsync(prompt))
        {
            // A batch of a long prompt can take seconds of CPU: an empty update tells the caller the model is at work,
            // as a remote provider's keep-alive would, so that an idle timeout does not cut it.
            if (done < prompt.Length) yield return new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = responseId, ModelId = model };
        }

        var createdAt = DateTimeOffset.UtcNow;
        var decoder = new StreamingTokenDecoder(generation.Context);
        var pending = new List<LLamaToken>();
        var generated = 0;
        ChatFinishReason finish;
        while (true)
        {
            if (generated == maxTokens || generation.Position >= generation.ContextSize)
            {
                finish = ChatFinishReason.Length;
                break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            var token = generation.Sample();
            if (token.IsEndOfGeneration(generation.Vocab))
            {
                finish = ChatFinishReason.Stop;
                break;
            }
            generated++;
            pending.Add(token);
            // A token can end in the middle of a UTF-8 character: the decoder keeps those bytes for the next token.
            decoder.Add(token);
            var text = decoder.Read();
            if (text.Length > 0 && thinking.Feed(text) is { Count: > 0 } contents)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [.. contents])
                {
                    ResponseId = responseId,
                    MessageId = responseId,
                    ModelId = model,
                    CreatedAt = createdAt,
                    RawRepresentation = pending.ToArray(),
                };
                pending.Clear();
            }
            if (generated < maxTokens) await generation.AdvanceAsync(token);
        }

        var usage = new UsageDetails { InputTokenCount = prompt.Length, OutputTokenCount = generated, TotalTokenCount = prompt.Length + generated };
        yield return new ChatResponseUpdate(ChatRole.Assistant, [.. thinking.Flush(), new UsageContent(usage)])
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = model,
            CreatedAt = createdAt,
            FinishReason = finish,
            RawRepresentation = pending.ToArray(),
        };
    }

    /// <summary>
    /// The prompt in the model's own chat template (llama.cpp's reading of tokenizer.chat_template), ending with the
    /// assistant's turn. The system prompt comes first: ChatOptions.Instructions and every system message, joined.
    /// A conversation that ends with an assistant message is a continuation: its text follows the assistant header.
    /// </summary>
    internal static string FormatPrompt(LLamaWeights weights, IReadOnlyList<ChatMessage> messages, ChatOptions? options, string model)
    {
        LLamaTemplate template;
        try
        {
            template = new LLamaTemplate(weights, strict: true) { AddAssistant = true };
        }
        catch (TemplateNotFoundException ex)
        {
            throw LocalModelException.NoChatTemplate(model, ex);
        }

        var system = string.Join("\n\n", new[] { options?.Instructions }
            .Concat(messages.Where(m => m.Role == ChatRole.System).Select(m => m.Text))
            .Where(s => !string.IsNullOrWhiteSpace(s)));
        if (system.Length > 0) template.Add(ChatRole.System.Value, system);

        var turns = messages.Where(m => m.Role != ChatRole.System).ToList();
        var prefill = turns.Count > 0 && turns[^1].Role == ChatRole.Assistant ? turns[^1].Text : null;
        if (prefill is not null) turns.RemoveAt(turns.Count - 1);
        foreach (var message in turns) template.Add(message.Role.Value, message.Text);

        try
        {
            // A new answer gets what the template's own thinking logic would write; a continued one its partial text.
            return Encoding.UTF8.GetString(template.Apply()) + (prefill ?? ThinkingSwitch.SuffixFor(weights, options));
        }
        catch (MissingTemplateException ex)
        {
            throw LocalModelException.NoChatTemplate(model, ex);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(LocalModelHost) ? host
        : null;

    /// <summary>Nothing to free: the weights belong to the <see cref="LocalModelHost"/>.</summary>
    public void Dispose()
    {
    }
}
