using Microsoft.Extensions.AI;
using Therese.Server.Conversations;
using Therese.Server.Llm;

namespace Therese.Server.Chat;

/// <summary>Why an answer was cut short, set by whoever cut it, before the provider call is cancelled.</summary>
public enum StopCause
{
    None = 0,
    /// <summary>The user pressed Stop, or a non-resumable client went away.</summary>
    User,
    /// <summary>A resumable answer lost its last follower and nobody came back within the grace period.</summary>
    Abandoned,
    /// <summary>THÉRÈSE is shutting down.</summary>
    Shutdown,
    /// <summary>No token came for the idle timeout.</summary>
    Idle,
}

/// <summary>How an answer ended: the status saved with it, and the event its followers receive last.</summary>
public sealed record AnswerOutcome(string Status, string StopReason, ProviderError? Error, Usage Usage)
{
    public ChatEvent Event => Error is { } error ? ErrorEvent.From(error) : new DoneEvent(StopReason, Usage);

    public static readonly ProviderError Abandoned = new("interrupted",
        "La connexion a été perdue pendant la réponse et personne n’est revenu la suivre. Le début de la réponse est conservé.", 503);

    /// <summary>
    /// The one place that decides how an answer ended. The cause wins over whatever the cancelled SDK
    /// threw; without a cause, a failure is the provider's (or the storage's), and a stream that ended
    /// without a finish reason was cut (the OpenAI SDK ends quietly on a mid-stream error event).
    /// </summary>
    public static AnswerOutcome Classify(StopCause cause, Exception? failure, bool storageFailed, ChatFinishReason? finish, Usage? usage)
    {
        var used = usage ?? new Usage(0, 0);
        return cause switch
        {
            StopCause.User => new(MessageStatus.Stopped, "user_stopped", null, used),
            StopCause.Abandoned => Failed(MessageStatus.Interrupted, Abandoned, used),
            StopCause.Shutdown => Failed(MessageStatus.Interrupted, ProviderError.ShuttingDown, used),
            StopCause.Idle => Failed(MessageStatus.Error, ProviderError.Timeout, used),
            _ when failure is not null && storageFailed => Failed(MessageStatus.Error, ProviderError.Storage, used),
            _ when failure is not null => Failed(MessageStatus.Error, ProviderError.From(failure), used),
            _ when finish is null => Failed(MessageStatus.Error, ProviderError.Upstream, used),
            _ => new(MessageStatus.Complete, StopReasonOf(finish.Value), null, used),
        };
    }

    /// <summary>
    /// A request with images refused by the server for them (every server words it its own way, but names images or vision)
    /// is explained as what it is: this model does not read images.
    /// </summary>
    public AnswerOutcome ExplainImages(string model) =>
        Error is { Code: "provider_rejected" } error && ImageWords.Any(w => error.Message.Contains(w, StringComparison.OrdinalIgnoreCase))
            ? Failed(Status, ProviderError.ImagesUnsupported(model), Usage)
            : this;

    private static readonly string[] ImageWords = ["image", "vision", "multimodal"];

    private static AnswerOutcome Failed(string status, ProviderError error, Usage usage) => new(status, error.Code, error, usage);

    public static string StopReasonOf(ChatFinishReason finish)
    {
        if (finish == ChatFinishReason.Stop) return "end_turn";
        if (finish == ChatFinishReason.Length) return "max_tokens";
        if (finish == ChatFinishReason.ToolCalls) return "tool_use";
        if (finish == ChatFinishReason.ContentFilter) return "content_filter";
        return finish.Value;
    }
}
