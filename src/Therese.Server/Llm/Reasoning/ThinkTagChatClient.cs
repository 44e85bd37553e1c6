using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Reasoning;

/// <summary>
/// A provider's answer with its inline <c>&lt;think&gt;</c> blocks turned into reasoning (<see cref="ThinkTagParser"/>),
/// so that no answer text, saved message or later prompt ever holds a think tag.
/// </summary>
public sealed class ThinkTagChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var parser = new ThinkTagParser();
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.Contents.Any(c => c is TextContent or TextReasoningContent)) update.Contents = Parse(parser, update.Contents);
            yield return update;
        }
        if (parser.Flush() is { Count: > 0 } rest)
            yield return new ChatResponseUpdate(ChatRole.Assistant, [.. rest]);
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken);
        foreach (var message in response.Messages)
        {
            var parser = new ThinkTagParser();
            var contents = Parse(parser, message.Contents);
            contents.AddRange(parser.Flush());
            message.Contents = Settled(contents);
        }
        return response;
    }

    private static List<AIContent> Parse(ThinkTagParser parser, IList<AIContent> contents)
    {
        var parsed = new List<AIContent>(contents.Count);
        foreach (var content in contents)
        {
            if (content is TextReasoningContent) parser.NoteApiReasoning();
            if (content is TextContent text) parsed.AddRange(parser.Feed(text.Text));
            else parsed.Add(content);
        }
        return parsed;
    }

    /// <summary>A whole answer at once: the text before a stray closing tag is reasoning, said plainly.</summary>
    private static List<AIContent> Settled(List<AIContent> contents)
    {
        var stray = contents.FindIndex(c => c is TextWasReasoningContent);
        if (stray < 0) return contents;
        var settled = new List<AIContent>(contents.Count);
        for (var i = 0; i < contents.Count; i++)
        {
            if (i == stray) continue;
            settled.Add(i < stray && contents[i] is TextContent text ? new TextReasoningContent(text.Text) : contents[i]);
        }
        return settled;
    }
}
