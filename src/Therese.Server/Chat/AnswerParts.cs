using System.Text;
using Therese.Server.Conversations;

namespace Therese.Server.Chat;

/// <summary>
/// The parts of one answer as its events build them: text deltas join the text part they follow, reasoning
/// deltas the reasoning part in progress, and <c>reasoning_end</c> closes it. The page folds the same events the
/// same way (web/src/stores/messageParts.ts), so what it shows live is what is saved.
/// </summary>
public sealed class AnswerParts
{
    private sealed class Part(MessagePart? done, bool reasoning)
    {
        public MessagePart? Done { get; set; } = done;
        public bool Reasoning { get; set; } = reasoning;
        public StringBuilder? Text { get; init; }
        public long? DurationMs { get; set; }
        public ReasoningOrigin? Origin { get; set; }

        public MessagePart Build() => Done ?? (Reasoning
            ? new ReasoningPart(Text!.ToString(), DurationMs) { Origin = Origin }
            : new TextPart(Text!.ToString()));
    }

    private readonly List<Part> _parts = [];

    public AnswerParts(IEnumerable<MessagePart>? start = null)
    {
        if (start is not null) Reset(start);
    }

    private void Reset(IEnumerable<MessagePart> parts)
    {
        _parts.Clear();
        // Finished parts stay as they are (a continued answer's signed thinking keeps its signature);
        // a last text part is reopened, since a continued answer appends to it.
        foreach (var part in parts) _parts.Add(new Part(part, part is ReasoningPart));
        if (_parts.Count > 0 && _parts[^1].Done is TextPart last) _parts[^1] = Open(last.Text, reasoning: false);
    }

    private static Part Open(string text, bool reasoning) => new(null, reasoning) { Text = new StringBuilder(text) };

    /// <summary>Whether the last part is answer text still being written.</summary>
    public bool Writing => _parts.Count > 0 && _parts[^1] is { Done: null, Reasoning: false };

    /// <summary>Whether reasoning is in progress (started and not ended).</summary>
    public bool Reasoning => _parts.Count > 0 && _parts[^1] is { Done: null, Reasoning: true, DurationMs: null };

    public void Apply(ChatEvent ev)
    {
        switch (ev)
        {
            case StartEvent start:
                Reset(start.Parts ?? (start.Content.Length == 0 ? [] : [new TextPart(start.Content)]));
                break;
            case DeltaEvent delta:
                if (_parts.Count > 0 && _parts[^1] is { Done: null, Reasoning: false } text) text.Text!.Append(delta.Content);
                else _parts.Add(Open(delta.Content, reasoning: false));
                break;
            case ReasoningEvent reasoning:
                if (Reasoning) _parts[^1].Text!.Append(reasoning.Reasoning);
                else _parts.Add(Open(reasoning.Reasoning, reasoning: true));
                break;
            case ReasoningEndEvent end:
                if (Reasoning) _parts[^1].DurationMs = end.DurationMs;
                break;
            case ToolCallEvent call:
                _parts.Add(new Part(new ToolPart(call.CallId, call.Server, call.Name, call.Arguments, ToolStates.Running), false));
                break;
            case ToolApprovalEvent approval:
                UpdateTool(approval.CallId, t => t with { State = ToolStates.AwaitingApproval });
                break;
            case ToolDecisionEvent decision:
                UpdateTool(decision.CallId, t => t with { State = decision.Approved ? ToolStates.Running : ToolStates.Refused });
                break;
            case ToolResultEvent result:
                UpdateTool(result.CallId, t => t with
                {
                    State = t.State == ToolStates.Refused ? ToolStates.Refused : result.Ok ? ToolStates.Done : ToolStates.Failed,
                    Ok = result.Ok,
                    Summary = result.Summary,
                    Result = result.Result,
                });
                break;
            case TextWasReasoningEvent moved:
                if (_parts.Count > 0 && _parts[^1] is { Done: null, Reasoning: false } shown)
                {
                    shown.Reasoning = true;
                    shown.DurationMs = moved.DurationMs;
                }
                break;
        }
    }

    private void UpdateTool(string callId, Func<ToolPart, ToolPart> change)
    {
        var i = _parts.FindLastIndex(p => p.Done is ToolPart t && t.CallId == callId);
        if (i >= 0) _parts[i].Done = change((ToolPart)_parts[i].Done!);
    }

    /// <summary>The answer ended before its tool calls did (Stop, a failure): the running and waiting ones were cancelled.</summary>
    public void CancelPendingTools()
    {
        foreach (var part in _parts)
            if (part.Done is ToolPart { State: ToolStates.Running or ToolStates.AwaitingApproval } pending)
                part.Done = pending with { State = ToolStates.Cancelled };
    }

    /// <summary>The provider's signature (or redacted data) of the reasoning block just written.</summary>
    public void Sign(ReasoningOrigin origin)
    {
        var last = _parts.LastOrDefault(p => p.Done is null && p.Reasoning);
        if (last is not null) last.Origin = origin;
    }

    public IReadOnlyList<MessagePart> Build() => [.. _parts.Select(p => p.Build())];

    /// <summary>The answer text alone: the text parts, joined.</summary>
    public string Text
    {
        get
        {
            var text = new StringBuilder();
            foreach (var part in _parts)
            {
                if (part.Reasoning) continue;
                if (part.Done is TextPart done) text.Append(done.Text);
                else text.Append(part.Text);
            }
            return text.ToString();
        }
    }

    /// <summary>Folds an answer's events (from its start) into its parts.</summary>
    public static IReadOnlyList<MessagePart> Fold(IEnumerable<ChatEvent> events)
    {
        var parts = new AnswerParts();
        foreach (var ev in events) parts.Apply(ev);
        return parts.Build();
    }
}
