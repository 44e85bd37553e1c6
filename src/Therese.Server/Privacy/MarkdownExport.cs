using System.Text;
using Therese.Server.Conversations;

namespace Therese.Server.Privacy;

/// <summary>
/// A conversation as a Markdown document: its title, then each shown message under « Vous » or « THÉRÈSE » with
/// its date. The answers are Markdown already and stay as they were written; earlier versions and the model's
/// reasoning are in the JSON export.
/// </summary>
public static class MarkdownExport
{
    public static string Write(Conversation conversation, IEnumerable<Message> messages, DateTimeOffset now)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(EscapeLine(conversation.Title)).Append("\n\n");
        md.Append("*Conversation avec THÉRÈSE commencée le ").Append(FrenchDates.Long(conversation.CreatedAt))
          .Append(", exportée le ").Append(FrenchDates.Long(now)).Append(".*\n");
        foreach (var message in Shown(messages))
        {
            md.Append("\n---\n\n## ").Append(message.Role == Roles.User ? "Vous" : "THÉRÈSE")
              .Append(" — ").Append(FrenchDates.Long(message.CreatedAt)).Append("\n\n");
            foreach (var part in message.AllParts())
            {
                switch (part)
                {
                    case TextPart text:
                        md.Append(text.Text.TrimEnd()).Append("\n\n");
                        break;
                    case AttachmentPart file:
                        md.Append("*Pièce jointe : ").Append(EscapeLine(file.Name)).Append("*\n\n");
                        break;
                    case ToolPart tool:
                        md.Append('*').Append(EscapeLine(ToolLine(tool))).Append("*\n\n");
                        break;
                    // The model's reasoning stays in the JSON export.
                }
            }
            if (StatusNote(message) is { } note) md.Append('*').Append(note).Append("*\n\n");
        }
        return md.ToString().TrimEnd() + "\n";
    }

    /// <summary>One line per tool step, as the page shows it closed: « Outil : agenda › prochains_rendez_vous ✓ ».</summary>
    public static string ToolLine(ToolPart tool)
    {
        var name = tool.Server.Length > 0 ? $"{tool.Server} › {tool.Name}" : tool.Name;
        var mark = tool.State switch
        {
            ToolStates.Done => "✓",
            ToolStates.Refused => "✗ (refusé)",
            ToolStates.Cancelled => "✗ (annulé)",
            _ => "✗",
        };
        return $"Outil : {name} {mark}";
    }

    /// <summary>What the conversation showed: one version per place, in order.</summary>
    public static IEnumerable<Message> Shown(IEnumerable<Message> messages) =>
        messages.Where(m => !m.Hidden).OrderBy(m => m.Position).ThenBy(m => m.Version);

    /// <summary>An answer that did not finish says so, as it did on screen.</summary>
    public static string? StatusNote(Message m) => m.Status switch
    {
        MessageStatus.Stopped => "Réponse arrêtée avant la fin.",
        MessageStatus.Interrupted => "Réponse interrompue avant la fin.",
        MessageStatus.Error => "Réponse interrompue par une erreur.",
        MessageStatus.Streaming => "Réponse en cours d’écriture au moment de l’export.",
        _ => null,
    };

    /// <summary>A title on one line that Markdown shows as it is.</summary>
    private static string EscapeLine(string text)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var escaped = new StringBuilder(line.Length);
        foreach (var c in line)
        {
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '#' or '|' or '~') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
