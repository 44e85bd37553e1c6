using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Therese.Server.Conversations;
using Therese.Server.Storage;

namespace Therese.Testing;

/// <summary>
/// A long conversation of plausible French exchanges (prose, lists, tables, code), written straight into a running
/// server's database: the browser test that opens and scrolls one, and the benchmark that measures it.
/// </summary>
public static class LongConversation
{
    /// <summary>In the first message.</summary>
    public const string FirstMarker = "Message d’ouverture n° 1";

    /// <summary>At the end of the last answer.</summary>
    public static string LastMarker(int exchanges) => $"Fin de la réponse n° {2 * exchanges}";

    /// <summary>Writes a conversation of <paramref name="exchanges"/> questions and answers; returns its id.</summary>
    public static async Task<string> SeedAsync(IServiceProvider services, int exchanges)
    {
        var dbs = services.GetRequiredService<IDbContextFactory<ThereseDb>>();
        await using var db = await dbs.CreateDbContextAsync();
        var id = Guid.CreateVersion7().ToString("N");
        var start = DateTimeOffset.UtcNow.AddDays(-3);
        var conversation = new Conversation
        {
            Id = id,
            Title = $"Longue conversation de {(2 * exchanges).ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("fr-FR"))} messages",
            CreatedAt = start,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        for (var i = 1; i <= 2 * exchanges; i++)
        {
            var user = i % 2 == 1;
            conversation.Messages.Add(new Message
            {
                Id = Guid.CreateVersion7().ToString("N"),
                ConversationId = id,
                Role = user ? Roles.User : Roles.Assistant,
                Content = user ? UserText(i) : AssistantText(i, exchanges),
                Status = MessageStatus.Complete,
                InputTokens = user ? null : 100 + i,
                OutputTokens = user ? null : 40 + i % 300,
                CreatedAt = start.AddSeconds(i * 30),
                Position = i,
            });
        }
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync();
        return id;
    }

    private static readonly string[] Subjects =
    [
        "la réunion du conseil d’administration", "le budget prévisionnel de l’association", "la fête de quartier",
        "le rapport d’activité annuel", "la campagne d’adhésion", "le partenariat avec la mairie",
        "la formation des bénévoles", "le site web de l’association", "la demande de subvention", "l’assemblée générale",
    ];

    private static string UserText(int position)
    {
        var subject = Subjects[position / 2 % Subjects.Length];
        if (position == 1) return $"{FirstMarker} : peux-tu m’aider à préparer {subject} ?";
        return (position / 2 % 4) switch
        {
            0 => $"Et pour {subject}, que proposes-tu ? (question {position})",
            1 => $"Peux-tu reformuler le paragraphe sur {subject} en plus court ?\nJe le trouve un peu long. (question {position})",
            2 => $"Écris-moi un petit script pour trier la liste des membres (question {position}).",
            _ => $"Merci ! Une dernière chose sur {subject} : quels sont les délais à prévoir ? (question {position})",
        };
    }

    private static string AssistantText(int position, int exchanges)
    {
        var subject = Subjects[position / 2 % Subjects.Length];
        var text = new StringBuilder();
        switch (position / 2 % 5)
        {
            case 0:
                text.Append($"Bien sûr. Pour **{subject}**, je vous propose de procéder en trois temps : préparer, consulter, puis décider. ");
                text.Append("L’essentiel est d’impliquer les bénévoles dès le départ et de garder une trace écrite de chaque étape.");
                break;
            case 1:
                text.Append($"## Points clés pour {subject}\n\n");
                text.Append("- Fixer une date et un lieu accessibles à tous ;\n- Envoyer l’ordre du jour **quinze jours** avant ;\n");
                text.Append("- Prévoir un *pot de l’amitié* après la séance ;\n- Désigner un secrétaire de séance.\n\n");
                text.Append("1. Convocation\n2. Émargement\n3. Vote des résolutions\n\nN’hésitez pas si vous voulez un modèle de convocation.");
                break;
            case 2:
                text.Append("Voici un script Python qui trie les membres par nom puis par date d’adhésion :\n\n");
                text.Append("```python\nimport csv\nfrom datetime import date\n\n");
                text.Append("def lire_membres(chemin: str) -> list[dict]:\n    with open(chemin, encoding=\"utf-8\") as f:\n        return list(csv.DictReader(f))\n\n");
                text.Append("membres = lire_membres(\"membres.csv\")\nmembres.sort(key=lambda m: (m[\"nom\"].lower(), m[\"adhesion\"]))\n");
                text.Append("for m in membres:\n    print(f\"{m['nom']:<20} {m['adhesion']}\")\n```\n\n");
                text.Append("Le fichier `membres.csv` doit avoir les colonnes `nom` et `adhesion` (format AAAA-MM-JJ).");
                break;
            case 3:
                text.Append($"Version courte : {subject} demande surtout de l’anticipation. ");
                text.Append("Comptez un mois de préparation, une semaine pour les relances, et gardez une marge pour les imprévus — ");
                text.Append("ils arrivent toujours ! Pensez aussi à vérifier les statuts : certains délais y sont imposés.\n\n");
                text.Append("> Astuce : un tableau partagé évite bien des courriels.");
                break;
            default:
                text.Append("| Étape | Délai | Responsable |\n|---|---|---|\n| Convocation | J-15 | Secrétaire |\n");
                text.Append("| Envoi des documents | J-8 | Trésorier |\n| Séance | J | Président·e |\n| Compte rendu | J+7 | Secrétaire |\n\n");
                text.Append("Ces délais sont indicatifs ; vérifiez ce que prévoient vos statuts.");
                break;
        }
        text.Append(position == 2 * exchanges ? $"\n\n{LastMarker(exchanges)}." : $" (réponse {position})");
        return text.ToString();
    }
}
