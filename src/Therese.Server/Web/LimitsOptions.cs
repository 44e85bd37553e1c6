namespace Therese.Server.Web;

/// <summary>
/// The Therese:Limits section: how much one request, one client and the whole server may ask for.
/// The defaults suit one person on their own machine; an invalid value stops THÉRÈSE at start.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Therese:Limits";

    /// <summary>Largest request body, in bytes (beyond it: 413 <c>body_too_large</c>).</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest user message, in characters (beyond it: 413 <c>content_too_long</c>).</summary>
    public int MaxMessageLength { get; set; } = 100_000;

    /// <summary>Longest single request header, name and value, in bytes (beyond it: 431 <c>header_too_large</c>).</summary>
    public int MaxHeaderBytes { get; set; } = 16 * 1024;

    /// <summary>Answers being written at once, all clients together (beyond it: 429 <c>too_many_streams</c>).</summary>
    public int MaxConcurrentAnswers { get; set; } = 16;

    /// <summary>Answers being written at once for one client (its IP address).</summary>
    public int MaxConcurrentAnswersPerClient { get; set; } = 8;

    /// <summary>What a refused answer is told to wait, in the Retry-After header.</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>Conversations per page of GET /api/conversations when the request does not say.</summary>
    public int DefaultConversationsPerPage { get; set; } = 50;

    /// <summary>Most conversations one page may ask for (<c>limit</c>).</summary>
    public int MaxConversationsPerPage { get; set; } = 200;

    /// <summary>Most messages one GET /api/conversations/{id} returns; earlier ones come with <c>before</c>.</summary>
    public int MaxMessagesPerPage { get; set; } = 500;

    /// <summary>The first invalid setting, named, or null.</summary>
    public string? Invalid()
    {
        if (MaxBodyBytes < 1024) return "Therese:Limits:MaxBodyBytes must be at least 1024.";
        if (MaxMessageLength < 1) return "Therese:Limits:MaxMessageLength must be at least 1.";
        if (MaxHeaderBytes < 1024) return "Therese:Limits:MaxHeaderBytes must be at least 1024.";
        if (MaxConcurrentAnswers < 1) return "Therese:Limits:MaxConcurrentAnswers must be at least 1.";
        if (MaxConcurrentAnswersPerClient < 1) return "Therese:Limits:MaxConcurrentAnswersPerClient must be at least 1.";
        if (RetryAfterSeconds < 1) return "Therese:Limits:RetryAfterSeconds must be at least 1.";
        if (MaxConversationsPerPage < 1) return "Therese:Limits:MaxConversationsPerPage must be at least 1.";
        if (DefaultConversationsPerPage < 1 || DefaultConversationsPerPage > MaxConversationsPerPage)
            return "Therese:Limits:DefaultConversationsPerPage must be between 1 and MaxConversationsPerPage.";
        if (MaxMessagesPerPage < 2) return "Therese:Limits:MaxMessagesPerPage must be at least 2.";
        return null;
    }
}
