using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Reasoning;

/// <summary>
/// The text streamed since the answer began was the model's reasoning: a stray <c>&lt;/think&gt;</c> came, whose
/// opening tag the chat template wrote into the prompt. Nothing before the tag could tell it apart from the answer.
/// </summary>
public sealed class TextWasReasoningContent : AIContent;
