using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;
using Therese.Server.Conversations;
using Therese.Server.Settings;

namespace Therese.Server.Llm.Reasoning;

/// <summary>What a model reads of an earlier answer: its text, and the reasoning its provider asks to get back.</summary>
public static class ReasoningHistory
{
    /// <summary>
    /// Claude gets its own signed thinking blocks back unchanged (signature kept, redacted ones as they came): it checks
    /// them, and needs them inside a tool loop. Reasoning without an Anthropic signature (from another provider, or cut
    /// before its signature) would be refused, so it is never sent. OpenAI-compatible servers and the local model get no
    /// reasoning back: DeepSeek R1 refuses it, and a model shown its earlier thoughts imitates them (Open WebUI #23339).
    /// </summary>
    public static ChatMessage AssistantMessage(string provider, IReadOnlyList<MessagePart> parts)
    {
        var contents = new List<AIContent>();
        foreach (var part in parts)
        {
            switch (part)
            {
                case TextPart text when contents.Count > 0 && contents[^1] is TextContent previous:
                    contents[^1] = new TextContent(previous.Text + text.Text);
                    break;
                case TextPart text:
                    contents.Add(new TextContent(text.Text));
                    break;
                case ReasoningPart { Origin: { Provider: Providers.Anthropic, Signature: { } signature } origin } reasoning
                    when provider == Providers.Anthropic:
                    contents.Add(origin.Redacted
                        // Empty text and opaque data could also be a thinking block whose display was omitted: the block itself says which.
                        ? new TextReasoningContent("") { ProtectedData = signature, RawRepresentation = (ContentBlockParam)new RedactedThinkingBlockParam { Data = signature } }
                        : new TextReasoningContent(reasoning.Text) { ProtectedData = signature });
                    break;
            }
        }
        return new ChatMessage(ChatRole.Assistant, contents);
    }
}
