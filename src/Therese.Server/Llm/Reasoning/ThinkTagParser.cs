using System.Text;
using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Reasoning;

/// <summary>
/// Turns the <c>&lt;think&gt;…&lt;/think&gt;</c> that llama.cpp servers, LM Studio and GGUF models write inline into
/// reasoning, as the text streams, whatever character the tags are cut at:
/// <list type="bullet">
/// <item>an opening tag at the start of the answer (after white space) opens reasoning, its closing tag ends it;</item>
/// <item>an unclosed block is all reasoning;</item>
/// <item>when the chat template opened the block in the prompt (<c>opened</c>), the answer starts as reasoning;</item>
/// <item>otherwise a stray closing tag, with no opening one, means the text so far was reasoning: it is let through as
/// text (nothing could tell it apart while it streamed), then a <see cref="TextWasReasoningContent"/> says so;</item>
/// <item>a tag written once the answer has begun, or inside code (a fence or backticks), stays text.</item>
/// </list>
/// When the server also sends the reasoning in its own field (llama.cpp's deepseek-legacy format does both), a tagged
/// copy at the start is dropped. Text that could still become a tag is held back until the next chunk decides.
/// </summary>
public sealed class ThinkTagParser
{
    private const string Open = "<think>";
    private const string Close = "</think>";

    private enum State
    {
        /// <summary>Nothing but white space yet: an opening tag may come.</summary>
        Start,
        Reasoning,
        /// <summary>A tagged copy of reasoning the server already sent in its own field.</summary>
        Dropping,
        Answer,
    }

    private State _state;
    private readonly StringBuilder _pending = new();
    /// <summary>In the answer, no tag seen yet: a closing tag would be a stray one.</summary>
    private bool _strayPossible;
    /// <summary>White space right after a tag is the model's layout, not the answer's: it is dropped.</summary>
    private bool _trimLeading;
    private bool _apiReasoning;
    // Where the text let through stands, for code: inside a ``` fence, inside `backticks` on the current line.
    private bool _inFence;
    private bool _inTicks;
    private int _ticksRun;

    /// <param name="opened">The chat template wrote the opening tag into the prompt: the answer begins as reasoning.</param>
    public ThinkTagParser(bool opened = false)
    {
        _state = opened ? State.Reasoning : State.Start;
        _trimLeading = opened;
    }

    /// <summary>The server sent reasoning in its own field: a tagged copy is not reasoning twice, and no tag is stray.</summary>
    public void NoteApiReasoning() => _apiReasoning = true;

    /// <summary>The contents a chunk of answer text turns into, in order (possibly none, while a tag may be forming).</summary>
    public IReadOnlyList<AIContent> Feed(string chunk)
    {
        _pending.Append(chunk);
        var output = new Output();
        Process(output, final: false);
        return output.Contents;
    }

    /// <summary>The end of the answer: what was held back comes out as what it is.</summary>
    public IReadOnlyList<AIContent> Flush()
    {
        var output = new Output();
        Process(output, final: true);
        return output.Contents;
    }

    private void Process(Output output, bool final)
    {
        var text = _pending.ToString();
        _pending.Clear();
        var at = 0;
        while (at < text.Length)
        {
            switch (_state)
            {
                case State.Start:
                {
                    var first = at;
                    while (first < text.Length && char.IsWhiteSpace(text[first])) first++;
                    if (first == text.Length)
                    {
                        if (!final) _pending.Append(text, at, text.Length - at);
                        else output.Text(text[at..], this);
                        return;
                    }
                    if (string.CompareOrdinal(text, first, Open, 0, Open.Length) == 0)
                    {
                        _state = _apiReasoning ? State.Dropping : State.Reasoning;
                        _trimLeading = true;
                        at = first + Open.Length;
                        continue;
                    }
                    if (!final && IsPrefixOf(text, first, Open))
                    {
                        _pending.Append(text, at, text.Length - at);
                        return;
                    }
                    _state = State.Answer;
                    _strayPossible = !_apiReasoning;
                    continue;
                }
                case State.Reasoning or State.Dropping:
                {
                    if (_trimLeading)
                    {
                        while (at < text.Length && char.IsWhiteSpace(text[at])) at++;
                        if (at == text.Length) return;
                        _trimLeading = false;
                    }
                    var close = text.IndexOf(Close, at, StringComparison.Ordinal);
                    var end = close >= 0 ? close : final ? text.Length : text.Length - HeldBack(text, at, Close);
                    if (_state == State.Reasoning && end > at) output.Reasoning(text[at..end]);
                    if (close < 0)
                    {
                        _pending.Append(text, end, text.Length - end);
                        return;
                    }
                    _state = State.Answer;
                    _strayPossible = false;
                    _trimLeading = true;
                    at = close + Close.Length;
                    continue;
                }
                default:
                {
                    if (_trimLeading)
                    {
                        while (at < text.Length && char.IsWhiteSpace(text[at])) at++;
                        if (at == text.Length) return;
                        _trimLeading = false;
                    }
                    if (!_strayPossible)
                    {
                        output.Text(text[at..], this);
                        return;
                    }
                    var stray = StrayClose(text, at);
                    if (stray >= 0)
                    {
                        if (stray > at) output.Text(text[at..stray], this);
                        output.Add(new TextWasReasoningContent());
                        _strayPossible = false;
                        _trimLeading = true;
                        at = stray + Close.Length;
                        continue;
                    }
                    var held = final ? 0 : HeldBackOutsideCode(text, at);
                    output.Text(text[at..(text.Length - held)], this);
                    _pending.Append(text, text.Length - held, held);
                    return;
                }
            }
        }
    }

    /// <summary>Where the first closing tag outside code starts, from <paramref name="from"/>; -1 if none.</summary>
    private int StrayClose(string text, int from)
    {
        var (fence, ticks, run) = (_inFence, _inTicks, _ticksRun);
        for (var i = from; i < text.Length; i++)
        {
            if (!fence && !ticks && run == 0 && string.CompareOrdinal(text, i, Close, 0, Close.Length) == 0) return i;
            (fence, ticks, run) = Step(text[i], fence, ticks, run);
        }
        return -1;
    }

    /// <summary>How many characters at the end could start a closing tag outside code, to hold back.</summary>
    private int HeldBackOutsideCode(string text, int from)
    {
        var (fence, ticks, run) = (_inFence, _inTicks, _ticksRun);
        for (var i = from; i < text.Length; i++)
        {
            if (!fence && !ticks && run == 0 && IsPrefixOf(text, i, Close)) return text.Length - i;
            (fence, ticks, run) = Step(text[i], fence, ticks, run);
        }
        return 0;
    }

    /// <summary>Follows code in the answer: three backticks toggle a fence, one toggles inline code, a newline ends it.</summary>
    private static (bool Fence, bool Ticks, int Run) Step(char c, bool fence, bool ticks, int run)
    {
        if (c == '`') return (fence, ticks, run + 1);
        if (run >= 3) fence = !fence;
        else if (run > 0 && !fence) ticks = !ticks;
        if (c == '\n') ticks = false;
        return (fence, ticks, 0);
    }

    private void Track(string emitted)
    {
        foreach (var c in emitted) (_inFence, _inTicks, _ticksRun) = Step(c, _inFence, _inTicks, _ticksRun);
    }

    /// <summary>The characters of <paramref name="text"/> from <paramref name="at"/> to its end begin <paramref name="tag"/>.</summary>
    private static bool IsPrefixOf(string text, int at, string tag) =>
        text.Length - at < tag.Length && string.CompareOrdinal(text, at, tag, 0, text.Length - at) == 0;

    /// <summary>The length of the longest end of the text (from <paramref name="from"/>) that begins <paramref name="tag"/>.</summary>
    private static int HeldBack(string text, int from, string tag)
    {
        for (var i = Math.Max(from, text.Length - tag.Length + 1); i < text.Length; i++)
            if (IsPrefixOf(text, i, tag)) return text.Length - i;
        return 0;
    }

    /// <summary>The contents produced by one call, consecutive pieces of one kind joined.</summary>
    private sealed class Output
    {
        public List<AIContent> Contents { get; } = [];

        public void Text(string text, ThinkTagParser parser)
        {
            if (text.Length == 0) return;
            parser.Track(text);
            if (Contents.Count > 0 && Contents[^1] is TextContent last) Contents[^1] = new TextContent(last.Text + text);
            else Contents.Add(new TextContent(text));
        }

        public void Reasoning(string text)
        {
            if (text.Length == 0) return;
            if (Contents.Count > 0 && Contents[^1] is TextReasoningContent last) Contents[^1] = new TextReasoningContent(last.Text + text);
            else Contents.Add(new TextReasoningContent(text));
        }

        public void Add(AIContent content) => Contents.Add(content);
    }
}
