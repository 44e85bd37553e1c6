namespace Therese.Server.Attachments.Prompt;

/// <summary>The form in which an attachment reaches the model on one turn.</summary>
public enum AttachmentForm
{
    /// <summary>The PDF itself, as a Claude document block: Claude sees its layout, and scanned pages too.</summary>
    Pdf,
    Image,
    /// <summary>The text THÉRÈSE read, whole or cut.</summary>
    Text,
    /// <summary>Only a notice saying that the file is there and why the model does not get it.</summary>
    Notice,
}

/// <summary>How one attachment goes to the model on one turn, and what the person and the model are told about it.</summary>
/// <param name="Chars">With <see cref="AttachmentForm.Text"/>: how many characters of its text are sent.</param>
/// <param name="LastPage">A cut PDF: the last page sent.</param>
/// <param name="Warning">For the person, on the attachment's chip (« tronqué à la page 42 »); null when it went whole.</param>
/// <param name="Notice">For the model, in French, after what it got (or instead of it).</param>
public sealed record AttachmentPlan(StoredAttachment Stored, AttachmentForm Form, int Chars = 0, int? LastPage = null, string? Warning = null, string? Notice = null)
{
    public bool Truncated => Form is AttachmentForm.Text && Chars < Stored.File.Text.Length || Form is AttachmentForm.Notice && !Stored.File.NoText;
}
