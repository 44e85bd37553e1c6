using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using ModelContextProtocol.Server;

namespace Therese.McpDemo;

/// <summary>What a town hall's tools look like: its date, its documents, its mail (which only records the request).</summary>
[McpServerToolType]
public static class TownHallTools
{
    /// <summary>Where <c>envoyer_courriel</c> writes its requests, one JSON line each (nothing is ever sent).</summary>
    public const string OutboxVariable = "THERESE_MCP_DEMO_OUTBOX";

    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");

    [McpServerTool(Name = "date_du_jour", ReadOnly = true, Idempotent = true)]
    [Description("Donne la date et l'heure d'aujourd'hui à Paris.")]
    public static string Today()
    {
        var paris = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));
        return paris.ToString("dddd d MMMM yyyy, HH:mm", French) + " (heure de Paris)";
    }

    [McpServerTool(Name = "chercher_documents", ReadOnly = true, Idempotent = true)]
    [Description("Cherche dans les documents de la mairie (comptes rendus, arrêtés, règlements) et renvoie ceux qui contiennent les mots demandés.")]
    public static string Search([Description("Les mots à chercher, en français.")] string requete)
    {
        var words = requete.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Fold).Where(w => w.Length > 2).ToArray();
        var found = Documents.Where(d => words.Any(w => Fold(d.Title + " " + d.Text).Contains(w, StringComparison.Ordinal))).ToList();
        if (found.Count == 0) return $"Aucun document ne contient « {requete} ».";
        return string.Join("\n\n", found.Select(d => $"## {d.Title}\n{d.Text}"));
    }

    [McpServerTool(Name = "envoyer_courriel", ReadOnly = false, Destructive = false, OpenWorld = true)]
    [Description("Envoie un courriel au nom de la mairie.")]
    public static async Task<string> SendMail(
        [Description("L'adresse du destinataire.")] string destinataire,
        [Description("L'objet du courriel.")] string objet,
        [Description("Le texte du courriel.")] string corps,
        CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(OutboxVariable) is { Length: > 0 } outbox)
            await File.AppendAllTextAsync(outbox, JsonSerializer.Serialize(new { destinataire, objet, corps }) + "\n", ct);
        return $"Courriel « {objet} » enregistré pour {destinataire}.";
    }

    private static string Fold(string text)
    {
        var decomposed = text.ToLowerInvariant().Normalize(System.Text.NormalizationForm.FormD);
        return new string([.. decomposed.Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)]);
    }

    private sealed record Document(string Title, string Text);

    private static readonly Document[] Documents =
    [
        new("Compte rendu du conseil municipal du 14 novembre",
            "Le conseil a voté le budget de la cantine scolaire (12 voix pour, 3 contre). La réfection du toit de l'église est reportée au printemps."),
        new("Arrêté sur le marché de Noël",
            "Le marché de Noël se tiendra place de la Mairie du 12 au 24 décembre, de 10 h à 19 h. Le stationnement y est interdit pendant cette période."),
        new("Règlement de la salle des fêtes",
            "La salle des fêtes se réserve au secrétariat de mairie, au moins un mois à l'avance. Une caution de 300 € est demandée ; la salle doit être rendue propre avant 9 h le lendemain."),
        new("Horaires du secrétariat",
            "Le secrétariat de mairie est ouvert le lundi, le mercredi et le vendredi de 9 h à 12 h, et le jeudi de 14 h à 18 h."),
    ];
}
