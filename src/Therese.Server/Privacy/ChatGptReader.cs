using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Therese.Server.Conversations;

namespace Therese.Server.Privacy;

/// <summary>
/// Reads ChatGPT's data export (<c>conversations.json</c>: an array of conversations, each a tree of <c>mapping</c>
/// nodes). The branch that was on screen is kept: from <c>current_node</c> up to the root through each node's
/// <c>parent</c>. On it, what the person and ChatGPT wrote to each other becomes messages; system prompts, tool calls
/// and their output, and hidden messages are left out; ChatGPT's « thoughts » become the answer's reasoning.
/// </summary>
public sealed class ChatGptReader(ImportOptions limits, DateTimeOffset now)
{
    public static bool IsConversation(JsonElement e) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("mapping", out _);

    /// <summary>One conversation of the export, or null when it holds no message to keep.</summary>
    public ImportedConversation? Read(JsonElement c, int index)
    {
        var where = $"La conversation n° {index}";
        if (c.ValueKind != JsonValueKind.Object) throw new ImportException($"{where} du fichier ChatGPT n’est pas un objet JSON.");
        if (!c.TryGetProperty("mapping", out var mapping) || mapping.ValueKind != JsonValueKind.Object)
            throw new ImportException($"{where} du fichier ChatGPT n’a pas de « mapping » : ce n’est pas un export de ChatGPT.");

        var nodes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var node in mapping.EnumerateObject())
            if (node.Value.ValueKind == JsonValueKind.Object) nodes[node.Name] = node.Value;
        var created = Time(c, "create_time") ?? now;
        var updated = Time(c, "update_time") ?? created;

        var messages = new List<ImportedMessage>();
        var reasoning = new List<string>();
        foreach (var node in Branch(c, nodes))
        {
            if (!node.TryGetProperty("message", out var m) || m.ValueKind != JsonValueKind.Object) continue;
            var role = Text(Get(m, "author"), "role");
            var type = Text(Get(m, "content"), "content_type");
            if (Get(Get(m, "metadata"), "is_visually_hidden_from_conversation").ValueKind == JsonValueKind.True) continue;
            if (role == "assistant" && type == "thoughts")
            {
                foreach (var thought in Array(Get(m, "content"), "thoughts"))
                    if (Text(thought, "content") is { Length: > 0 } t) reasoning.Add(ImportText.Clean(t));
                continue;
            }
            // Tool calls (to python, to the browser…) and their output, system prompts, code: not part of the exchange.
            if (role is not (Roles.User or Roles.Assistant) || (Text(m, "recipient") ?? "all") != "all" || type is not ("text" or "multimodal_text")) continue;
            var text = string.Join("\n", Array(Get(m, "content"), "parts").Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!));
            text = ImportText.Clean(text);
            if (string.IsNullOrWhiteSpace(text)) continue;
            var at = Time(m, "create_time") ?? messages.LastOrDefault()?.CreatedAt ?? created;

            List<MessagePart> parts = [];
            if (role == Roles.Assistant && reasoning.Count > 0) parts.Add(new ReasoningPart(string.Join("\n\n", reasoning), null));
            if (role == Roles.Assistant) reasoning.Clear();
            // Two messages in a row from the same side (an answer around a tool call) are one message here.
            if (messages.Count > 0 && messages[^1].Role == role)
            {
                var previous = messages[^1];
                var joined = MessageParts.TextOf(previous.Parts) + "\n\n" + text;
                messages[^1] = previous with { Parts = [.. previous.Parts.Where(p => p is not TextPart), .. parts, new TextPart(joined)] };
            }
            else
            {
                parts.Add(new TextPart(text));
                messages.Add(new ImportedMessage(null, role, parts, MessageStatus.Complete, role == Roles.Assistant ? "end_turn" : null, null, null,
                    at, messages.Count + 1, 1, false));
            }
            if (MessageParts.TextOf(messages[^1].Parts).Length > limits.MaxMessageLength)
                throw new ImportException($"{where} du fichier ChatGPT a un message trop long ({FrenchText.Number(limits.MaxMessageLength)} caractères au plus).");
            if (messages.Count > limits.MaxMessagesPerConversation)
                throw new ImportException($"{where} du fichier ChatGPT a trop de messages ({FrenchText.Number(limits.MaxMessagesPerConversation)} au plus).");
        }
        if (messages.Count == 0) return null;
        var id = Text(c, "conversation_id") ?? Text(c, "id");
        // Without an id, the conversation's own bytes name it: the same file imported again finds it.
        var key = "chatgpt:" + (id is { Length: > 0 and <= 100 } ? id : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(c.GetRawText()))));
        return new ImportedConversation(null, key, ImportText.Title(Text(c, "title")), created, updated, messages);
    }

    /// <summary>The nodes from the root to the current one. A missing or unknown current node: the latest leaf.</summary>
    private static List<JsonElement> Branch(JsonElement c, Dictionary<string, JsonElement> nodes)
    {
        var current = Text(c, "current_node");
        if (current is null || !nodes.ContainsKey(current))
            current = nodes.Where(n => Array(n.Value, "children").All(child => child.ValueKind != JsonValueKind.String || !nodes.ContainsKey(child.GetString()!)))
                .OrderBy(n => Time(Get(n.Value, "message"), "create_time") ?? DateTimeOffset.MinValue)
                .Select(n => n.Key).LastOrDefault();
        var branch = new List<JsonElement>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // A parent link that loops (a hostile file) ends the walk instead of looping forever.
        while (current is not null && nodes.TryGetValue(current, out var node) && seen.Add(current))
        {
            branch.Add(node);
            current = Text(node, "parent");
        }
        branch.Reverse();
        return branch;
    }

    private static JsonElement Get(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

    private static string? Text(JsonElement e, string name) => Get(e, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        Get(e, name) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray() : [];

    /// <summary>ChatGPT writes times as seconds since 1970, with a fraction.</summary>
    private static DateTimeOffset? Time(JsonElement e, string name) =>
        Get(e, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetDouble(out var seconds) && seconds is > 0 and < 253_402_300_799
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : null;
}
