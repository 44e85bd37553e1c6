namespace Therese.TinyGguf;

/// <summary>What can vary between two tiny models.</summary>
public sealed record TinyModelOptions
{
    /// <summary>
    /// <c>general.architecture</c>, and the prefix of the hyper-parameter keys. Anything but "llama" gives a
    /// well-formed file whose architecture llama.cpp does not know, for error tests.
    /// </summary>
    public string Architecture { get; init; } = "llama";

    /// <summary>Seed of the random layer weights; the same seed writes the same bytes.</summary>
    public int Seed { get; init; } = 1;

    /// <summary><c>{arch}.context_length</c>: the context the model says it was trained with.</summary>
    public uint ContextLength { get; init; } = 2048;

    /// <summary><c>tokenizer.chat_template</c>: ChatML by default; another one tests what THÉRÈSE reads of a template.</summary>
    public string ChatTemplate { get; init; } = TinyModel.ChatTemplate;
}
