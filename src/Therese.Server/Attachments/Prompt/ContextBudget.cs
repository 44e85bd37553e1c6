namespace Therese.Server.Attachments.Prompt;

/// <summary>
/// Shares what is left of the model's context among the attachments, newest first: the conversation's text and the
/// room for the answer come first; a file that does not fit whole is cut (at a page when it has pages), and one that
/// does not fit at all is named to the model with the reason. Nothing is left out silently.
/// </summary>
public sealed class ContextBudget(ModelContext model, int usedTokens)
{
    /// <summary>Claude's limits for a PDF as a document: 100 pages, 32 MB per request (base64 takes a third more).</summary>
    public const int ClaudePdfPages = 100;
    public const long ClaudeRequestBytes = 32_000_000;

    /// <summary>A safety margin on the estimate, and the words around each document.</summary>
    private const double Margin = 0.05;
    private const int FrameTokens = 60;
    /// <summary>Cutting a file to less than this is not worth sending: it gets a notice instead.</summary>
    private const int MinimumTokens = 200;

    public static readonly string NoTextWarning = "Ce PDF ne contient pas de texte lisible (document scanné ?)";
    private const string NoRoomWarning = "non transmis : plus de place dans le contexte du modèle";

    private int _left = (int)(model.ContextTokens * (1 - Margin)) - model.AnswerTokens - usedTokens;
    private long _pdfBytes;

    public int TokensLeft => Math.Max(0, _left);

    /// <summary>
    /// The plan for the next attachment (call newest first).
    /// <paramref name="imageRefused"/>: the model already refused this message's images (it does not read images).
    /// </summary>
    public AttachmentPlan Next(StoredAttachment stored, bool imageRefused = false)
    {
        var file = stored.File;
        var name = FrenchText.Quote(stored.Attachment.Name);
        if (file.Kind == AttachmentKinds.Image)
        {
            if (model.IsLocal || imageRefused)
                return new AttachmentPlan(stored, AttachmentForm.Notice, Warning: "non transmise : ce modèle ne lit pas les images",
                    Notice: $"[Note de THÉRÈSE : l’image {name} est jointe à ce message, mais ce modèle ne lit pas les images.]");
            var cost = ImageTokens(file);
            if (cost > _left) return NoRoom(stored, name);
            _left -= cost;
            return new AttachmentPlan(stored, AttachmentForm.Image);
        }

        if (file.MediaType == MediaTypes.Pdf && model.IsClaude && CanGoAsPdf(file))
        {
            var cost = PdfTokens(file);
            if (cost <= _left)
            {
                _left -= cost;
                _pdfBytes += file.Size;
                return new AttachmentPlan(stored, AttachmentForm.Pdf);
            }
        }
        if (file.NoText)
        {
            _left -= FrameTokens;
            return new AttachmentPlan(stored, AttachmentForm.Notice, Warning: NoTextWarning,
                Notice: $"[Note de THÉRÈSE : le fichier {name} est un PDF sans texte lisible (document scanné ?) : son contenu n’a pas pu être lu.]");
        }

        var whole = model.Tokens(file.Text) + FrameTokens;
        if (whole <= _left && !file.TextCut)
        {
            _left -= whole;
            return new AttachmentPlan(stored, AttachmentForm.Text, Chars: file.Text.Length);
        }
        if (_left - FrameTokens < MinimumTokens) return NoRoom(stored, name);
        return Cut(stored, name, model.Chars(_left - FrameTokens));
    }

    private AttachmentPlan Cut(StoredAttachment stored, string name, int room)
    {
        var file = stored.File;
        var chars = Math.Min(room, file.Text.Length);
        int? lastPage = null;
        string warning, notice;
        if (file.PageEnds is { Length: > 0 } ends)
        {
            // Whole pages when at least one fits; otherwise the beginning of the first.
            var pages = 0;
            while (pages < ends.Length && ends[pages] <= chars) pages++;
            if (pages > 0) chars = ends[pages - 1];
            lastPage = Math.Max(1, pages);
            var total = file.Pages ?? ends.Length;
            warning = $"tronqué à la page {lastPage}";
            notice = pages > 0
                ? $"[Note de THÉRÈSE : le document {name} est tronqué : seules les pages 1 à {pages} sur {total} ont été transmises, faute de place dans le contexte du modèle. Dites-le si la réponse dépend de la suite.]"
                : $"[Note de THÉRÈSE : le document {name} est tronqué au milieu de sa première page (sur {total}), faute de place dans le contexte du modèle. Dites-le si la réponse dépend de la suite.]";
        }
        else
        {
            var percent = (int)Math.Max(1, Math.Floor(100.0 * chars / Math.Max(1, file.Text.Length)));
            warning = $"tronqué à {percent} %";
            notice = $"[Note de THÉRÈSE : le document {name} est tronqué : seuls ses {FrenchText.Number(chars)} premiers caractères sur " +
                $"{FrenchText.Number(file.Text.Length)} ({percent} %) ont été transmis, faute de place dans le contexte du modèle. Dites-le si la réponse dépend de la suite.]";
        }
        _left -= model.Tokens(file.Text[..chars]) + FrameTokens;
        return new AttachmentPlan(stored, AttachmentForm.Text, chars, lastPage, warning, notice);
    }

    private AttachmentPlan NoRoom(StoredAttachment stored, string name)
    {
        _left -= FrameTokens;
        return new AttachmentPlan(stored, AttachmentForm.Notice, Warning: NoRoomWarning,
            Notice: $"[Note de THÉRÈSE : le fichier {name} est joint à ce message, mais il n’a pas pu être transmis : plus de place dans le contexte du modèle.]");
    }

    /// <summary>Within Claude's limits for a document, and not protected (Claude refuses encrypted PDFs).</summary>
    private bool CanGoAsPdf(AttachmentFile file) =>
        !file.Encrypted && file.Pages is > 0 and <= ClaudePdfPages && (_pdfBytes + file.Size) * 4 / 3 < ClaudeRequestBytes - 1_000_000;

    /// <summary>Claude reads each page as an image and as its text (Anthropic: 1,500 to 3,000 tokens a page).</summary>
    private int PdfTokens(AttachmentFile file) => (file.Pages ?? 1) * 1_600 + model.Tokens(file.Text) + FrameTokens;

    /// <summary>About width × height / 750 for Claude, a little less for OpenAI's tiles.</summary>
    private static int ImageTokens(AttachmentFile file) => Math.Max(100, (int)((long)(file.Width ?? 1568) * (file.Height ?? 1568) / 750)) + 20;
}
