using System.Text.Json;
using Therese.Server.Conversations;

namespace Therese.Server.Privacy;

/// <summary>Reads a THÉRÈSE JSON export of one conversation (<see cref="ConversationExport"/>), checking every field.</summary>
public sealed class ThereseExportReader(ImportOptions limits, DateTimeOffset now)
{
    /// <summary>Parts of a kind this THÉRÈSE does not know (an export from a newer one): left out, their message's text kept.</summary>
    public int PartsLeftOut { get; private set; }

    private sealed record FileShape(string? Format, int? Version, FileConversation? Conversation);
    private sealed record FileConversation(string? Id, string? Title, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt, List<FileMessage?>? Messages);
    private sealed record FileMessage(string? Id, string? Role, string? Content, List<JsonElement>? Parts, string? Status, string? StopReason,
        int? InputTokens, int? OutputTokens, DateTimeOffset? CreatedAt, int? Position, int? Version, bool? Hidden);

    /// <summary>Whether this JSON object is a THÉRÈSE export (its <c>format</c> says so).</summary>
    public static bool IsExport(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String
        && f.GetString() == ConversationExport.FormatName;

    public async Task<ImportedConversation> ReadAsync(Stream json, string where, CancellationToken ct)
    {
        FileShape? file;
        try
        {
            file = await JsonSerializer.DeserializeAsync<FileShape>(json, ConversationExport.Json, ct);
        }
        catch (JsonException ex)
        {
            throw new ImportException(ex.Path is { Length: > 2 } path && ex.InnerException is null or InvalidOperationException
                ? $"{where} a un champ invalide : {FrenchText.Quote(path.Length > 60 ? path[2..60] + "…" : path[2..])}."
                : $"{where} n’est pas un JSON valide.");
        }
        catch (InvalidOperationException)
        {
            throw new ImportException($"{where} contient un texte qui n’est pas de l’Unicode valide.");
        }
        if (file is null || file.Format != ConversationExport.FormatName)
            throw new ImportException($"{where} n’est pas un export de conversation de THÉRÈSE.");
        if (file.Version is not { } version || version > ConversationExport.CurrentVersion)
            throw new ImportException($"{where} vient d’une version plus récente de THÉRÈSE : mettez THÉRÈSE à jour pour l’importer.");
        return Check(file.Conversation ?? throw new ImportException($"{where} ne contient pas de conversation."), where);
    }

    private ImportedConversation Check(FileConversation c, string where)
    {
        var messages = c.Messages ?? throw new ImportException($"{where} : la conversation n’a pas de liste de messages.");
        if (messages.Count > limits.MaxMessagesPerConversation)
            throw new ImportException($"{where} : la conversation a trop de messages ({FrenchText.Number(limits.MaxMessagesPerConversation)} au plus).");
        var created = c.CreatedAt ?? now;
        var list = new List<ImportedMessage>(messages.Count);
        var places = new HashSet<(int, int)>();
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i] ?? throw new ImportException($"{where} : le message n° {i + 1} est vide.");
            var n = $"{where} : le message n° {i + 1}";
            if (m.Role is not (Roles.User or Roles.Assistant)) throw new ImportException($"{n} n’est ni de la personne (user) ni de THÉRÈSE (assistant).");
            var status = m.Status switch
            {
                MessageStatus.Complete or MessageStatus.Stopped or MessageStatus.Error or MessageStatus.Interrupted => m.Status,
                // It was being written when exported: it ends here, as a crash would have left it.
                MessageStatus.Streaming => MessageStatus.Interrupted,
                null => MessageStatus.Complete,
                _ => throw new ImportException($"{n} a un état inconnu."),
            };
            var position = m.Position ?? i + 1;
            var version = m.Version ?? 1;
            if (position < 1 || version < 1) throw new ImportException($"{n} a une position ou une version invalide.");
            if (!places.Add((position, version))) throw new ImportException($"{n} occupe la même place qu’un autre message.");
            var parts = Parts(m, n);
            if (parts.Sum(p => p is TextPart t ? t.Text.Length : p is ReasoningPart r ? r.Text.Length : 0) > limits.MaxMessageLength)
                throw new ImportException($"{n} est trop long ({FrenchText.Number(limits.MaxMessageLength)} caractères au plus).");
            list.Add(new ImportedMessage(SafeId(m.Id), m.Role, parts, status, m.Status == MessageStatus.Streaming ? "interrupted" : Cut(m.StopReason),
                m.InputTokens is >= 0 ? m.InputTokens : null, m.OutputTokens is >= 0 ? m.OutputTokens : null,
                m.CreatedAt ?? created, position, version, m.Hidden ?? false));
        }
        return new ImportedConversation(SafeId(c.Id), "therese:" + (SafeId(c.Id) ?? Guid.NewGuid().ToString("N")), ImportText.Title(c.Title),
            created, c.UpdatedAt ?? created, ShowOnePerPlace(list));
    }

    private List<MessagePart> Parts(FileMessage m, string n)
    {
        if (m.Parts is null) return m.Content is { Length: > 0 } content ? [new TextPart(ImportText.Clean(content))] : [];
        var parts = new List<MessagePart>(m.Parts.Count);
        foreach (var element in m.Parts)
        {
            MessagePart? part;
            try
            {
                part = element.Deserialize<MessagePart>(ConversationExport.Json);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException)
            {
                // A newer THÉRÈSE's part kind: without it the message still reads; its text is in the text parts.
                if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                    && ex is JsonException && ex.Message.Contains("discriminator", StringComparison.Ordinal))
                {
                    PartsLeftOut++;
                    continue;
                }
                throw new ImportException($"{n} a un élément illisible.");
            }
            switch (part)
            {
                case null: throw new ImportException($"{n} a un élément vide.");
                case TextPart t: parts.Add(new TextPart(ImportText.Clean(t.Text ?? ""))); break;
                // Reasoning comes back unsigned: a provider signature is never imported (it would be sent back to the provider).
                case ReasoningPart r: parts.Add(new ReasoningPart(ImportText.Clean(r.Text ?? ""), r.DurationMs is >= 0 ? r.DurationMs : null)); break;
                default: parts.Add(part); break;
            }
        }
        return parts;
    }

    /// <summary>Exactly one version is shown at each place: the one the file shows, else the latest.</summary>
    private static List<ImportedMessage> ShowOnePerPlace(List<ImportedMessage> messages) =>
        [.. messages.GroupBy(m => m.Position).OrderBy(g => g.Key).SelectMany(place =>
        {
            var versions = place.OrderBy(m => m.Version).ToList();
            var shown = versions.LastOrDefault(m => !m.Hidden) ?? versions[^1];
            return versions.Select(m => m with { Hidden = !ReferenceEquals(m, shown) });
        })];

    /// <summary>Ids are kept when they look like THÉRÈSE's (letters, digits, - and _, 64 at most); otherwise a new one is made.</summary>
    public static string? SafeId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? id : null;

    private static string? Cut(string? text) => text is null ? null : ImportText.Clean(text.Length > 64 ? text[..64] : text);
}
