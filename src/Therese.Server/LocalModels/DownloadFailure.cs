using System.Globalization;

namespace Therese.Server.LocalModels;

/// <summary>
/// Why a download ended badly: a stable code for programs and a French sentence for the user.
/// <paramref name="KeepsPart"/>: the bytes already on disk stay, so a new request for the same file resumes from them.
/// </summary>
public sealed class DownloadFailure(string code, string message, bool keepsPart, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
    public bool KeepsPart { get; } = keepsPart;

    private const string Resume = " Relancez le téléchargement : il reprendra là où il s’était arrêté.";

    public static DownloadFailure NotFound(string repo, string file) => new("not_found",
        $"Le fichier {FrenchText.Quote(file)} est introuvable dans le dépôt {FrenchText.Quote(repo)} sur Hugging Face (nom inexact, ou dépôt privé ou soumis à conditions).", keepsPart: true);

    public static DownloadFailure NoChecksum() => new("no_checksum",
        "Hugging Face ne donne pas l’empreinte SHA-256 de ce fichier : THÉRÈSE ne peut pas vérifier son intégrité et ne le télécharge pas.", keepsPart: true);

    public static DownloadFailure HubError(string what) => new("hub_error",
        $"Hugging Face a répondu de façon inattendue ({what}).", keepsPart: true);

    public static DownloadFailure HubUnavailable(int status, Exception inner) => new("hub_unavailable",
        $"Hugging Face ne répond pas correctement pour le moment (HTTP {status.ToString(CultureInfo.InvariantCulture)}), malgré plusieurs essais." + Resume, keepsPart: true, inner);

    public static DownloadFailure Network(Exception inner) => new("network",
        "La connexion à Hugging Face a été perdue plusieurs fois de suite." + Resume, keepsPart: true, inner);

    public static DownloadFailure DiskFull(string folder, long needed, long free) => new("disk_full",
        $"Pas assez d’espace disque : il faut {FrenchText.Size(needed)} de libre dans le dossier des modèles ({folder}), il en reste {FrenchText.Size(free)}.", keepsPart: true);

    public static DownloadFailure DiskFull(string folder, IOException inner) => new("disk_full",
        $"Le disque est plein : libérez de la place dans le dossier des modèles ({folder}), puis relancez le téléchargement.", keepsPart: true, inner);

    public static DownloadFailure Checksum() => new("checksum",
        "Le fichier reçu ne correspond pas à l’empreinte SHA-256 annoncée par Hugging Face : il a été supprimé. Relancez le téléchargement.", keepsPart: false);

    public static DownloadFailure Changed() => new("changed",
        "Le fichier a changé sur Hugging Face pendant le téléchargement : les octets reçus ont été supprimés. Relancez le téléchargement.", keepsPart: false);

    public static DownloadFailure Interrupted() => new("interrupted",
        "Le téléchargement a été interrompu par l’arrêt de THÉRÈSE." + Resume, keepsPart: true);

    public static DownloadFailure Unexpected(Exception inner) => new("unexpected",
        "Une erreur inattendue a arrêté le téléchargement." + Resume, keepsPart: true, inner);
}
