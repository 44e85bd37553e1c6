using System.Runtime.InteropServices;
using LLama;
using LLama.Exceptions;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;

namespace Therese.Server.Llm.Local;

/// <summary>
/// One answer on a fresh llama.cpp context: no KV cache is shared with another conversation. The prompt is
/// decoded batch by batch, then each token is sampled and decoded in turn. Stop is honoured between two calls
/// into llama.cpp and, through llama.cpp's abort callback, inside one: a long prompt batch stops too.
/// </summary>
internal sealed class LocalGeneration : IDisposable
{
    private readonly LoadedModel _model;
    private readonly LLamaContext _context;
    private readonly DefaultSamplingPipeline _sampler;
    private readonly LLamaBatch _batch = new();
    private readonly CancellationToken _stop;
    private readonly Action? _freed;
    private int _disposed;

    // Held in a field: llama.cpp calls it from its compute thread for as long as the context lives.
    private readonly AbortCallback _abort;

    private int _logitIndex;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool AbortCallback(IntPtr data);

    /// <param name="freed">Called once the context is freed (the host counts the generations still running).</param>
    public LocalGeneration(LoadedModel model, ChatOptions? options, CancellationToken stop, Action? freed = null)
    {
        _model = model;
        _stop = stop;
        _freed = freed;
        try
        {
            _context = model.Weights.CreateContext(model.ContextParams);
        }
        catch (RuntimeError ex)
        {
            // llama.cpp could not allocate the KV cache: usually not enough memory for this context size.
            throw LocalModelException.Failed($"contexte de {model.ContextSize} jetons impossible à créer", ex);
        }
        _abort = _ => _stop.IsCancellationRequested;
        NativeApi.llama_set_abort_callback(_context.NativeHandle, Marshal.GetFunctionPointerForDelegate(_abort), IntPtr.Zero);
        _sampler = new DefaultSamplingPipeline
        {
            Temperature = options?.Temperature ?? 0.7f,
            TopP = options?.TopP ?? 0.9f,
            TopK = options?.TopK ?? 40,
            // LLamaSharp throws outside OpenAI's range; the remote providers clamp or refuse, here it is clamped.
            FrequencyPenalty = Math.Clamp(options?.FrequencyPenalty ?? 0f, -2f, 2f),
            PresencePenalty = Math.Clamp(options?.PresencePenalty ?? 0f, -2f, 2f),
        };
        if (options?.Seed is { } seed) _sampler.Seed = unchecked((uint)seed);
    }

    public LLamaContext Context => _context;

    /// <summary>Tokens in the context so far: the prompt, then each decoded answer token.</summary>
    public int Position { get; private set; }

    public int ContextSize => _model.ContextSize;

    public SafeLlamaModelHandle.Vocabulary Vocab => _model.Weights.Vocab;

    /// <summary>Tokenizes the formatted prompt, special tokens included, as llama.cpp's own chat does.</summary>
    public LLamaToken[] Tokenize(string prompt) => _context.Tokenize(prompt, addBos: Vocab.ShouldAddBOS, special: true);

    /// <summary>
    /// Decodes the prompt, one batch at a time, and yields how many tokens are done after each batch.
    /// At the end the logits of its last token are ready for <see cref="Sample"/>.
    /// </summary>
    /// <exception cref="LocalModelException">context_too_long when the prompt leaves no room for an answer.</exception>
    public async IAsyncEnumerable<int> PrefillAsync(IReadOnlyList<LLamaToken> prompt)
    {
        if (prompt.Count == 0) throw LocalModelException.Failed("prompt vide");
        if (prompt.Count >= ContextSize) throw LocalModelException.TooLong(prompt.Count, ContextSize);

        var batchSize = (int)_context.BatchSize;
        for (var start = 0; start < prompt.Count; start += batchSize)
        {
            _stop.ThrowIfCancellationRequested();
            var end = Math.Min(start + batchSize, prompt.Count);
            _batch.Clear();
            for (var i = start; i < end; i++)
                _batch.Add(prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Count - 1);
            await DecodeAsync();
            Position = end;
            if (end == prompt.Count) _logitIndex = _batch.TokenCount - 1;
            yield return end;
        }
    }

    /// <summary>Picks the next token from the logits of the last decoded one.</summary>
    public LLamaToken Sample() => _sampler.Sample(_context.NativeHandle, _logitIndex);

    /// <summary>Decodes one answer token, so that the next one can be sampled.</summary>
    public async Task AdvanceAsync(LLamaToken token)
    {
        _batch.Clear();
        _batch.Add(token, Position, LLamaSeqId.Zero, logits: true);
        await DecodeAsync();
        Position++;
        _logitIndex = 0;
    }

    private async Task DecodeAsync()
    {
        // Off the caller's thread: a decode is seconds of CPU for a long prompt on a large model.
        // Task.Run's token only prevents the start; once started, the decode is awaited to its end
        // (or its abort), so the context is never freed under llama.cpp's feet.
        var result = await Task.Run(() => _context.NativeHandle.Decode(_batch), _stop);
        if (result == DecodeResult.ComputeAborted) _stop.ThrowIfCancellationRequested();
        if (result != DecodeResult.Ok)
            throw result == DecodeResult.NoKvSlot
                ? LocalModelException.TooLong(Position + _batch.TokenCount, ContextSize)
                : LocalModelException.Failed($"llama_decode : {result}");
    }

    /// <summary>Frees the context. Every decode was awaited to its end or its abort, so no native call is left running on it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _sampler.Dispose();
        _context.Dispose();
        GC.KeepAlive(_abort);
        _freed?.Invoke();
    }
}
