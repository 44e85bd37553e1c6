namespace Therese.TinyGguf;

/// <summary>
/// Writes a tiny llama-architecture GGUF (about 4 MB, F32) that llama.cpp loads and runs: a real GPT-2 byte-level
/// BPE tokenizer, a ChatML chat template, and weights that make it a byte-pair model of a French text.
/// The end-of-generation tokens are practically never sampled, so an answer runs to its token limit.
/// </summary>
public static class TinyModel
{
    /// <summary>The ChatML template, as Qwen models ship it; llama.cpp recognises it by its <c>&lt;|im_start|&gt;</c> marker.</summary>
    public const string ChatTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    public const int EndOfText = 256;
    public const int ImStart = 257;
    public const int ImEnd = 258;
    public const int VocabularySize = 259;

    // The embedding is wide enough for one dimension per token: the residual stream carries the previous token as a spike.
    private const int Embedding = 320;
    private const int Heads = 5;
    private const int KvHeads = 1;
    private const int FeedForward = 192;
    private const int Layers = 2;

    /// <summary>Height of the token spike. The layers see it through their RMS norm; their output, about 0.2 per
    /// dimension, then barely moves the logits, so the model stays close to the byte-pair table while still running
    /// every layer of a real llama graph.</summary>
    private const float Spike = 1000f;

    private const float LayerStd = 0.02f;

    /// <summary>Writes the model to <paramref name="path"/> (through a temporary file, so a reader never sees half of it).</summary>
    public static void Write(string path, TinyModelOptions? options = null)
    {
        options ??= new TinyModelOptions();
        var gguf = Build(options);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        using (var file = File.Create(temp))
            gguf.WriteTo(file);
        File.Move(temp, full, overwrite: true);
    }

    private static GgufWriter Build(TinyModelOptions options)
    {
        var arch = options.Architecture;
        var gguf = new GgufWriter();
        gguf.Add("general.architecture", arch);
        gguf.Add("general.name", "THÉRÈSE tiny test model");
        gguf.Add("general.file_type", 0u); // all F32
        gguf.Add($"{arch}.context_length", options.ContextLength);
        gguf.Add($"{arch}.embedding_length", (uint)Embedding);
        gguf.Add($"{arch}.block_count", (uint)Layers);
        gguf.Add($"{arch}.feed_forward_length", (uint)FeedForward);
        gguf.Add($"{arch}.attention.head_count", (uint)Heads);
        gguf.Add($"{arch}.attention.head_count_kv", (uint)KvHeads);
        gguf.Add($"{arch}.attention.layer_norm_rms_epsilon", 1e-5f);
        gguf.Add($"{arch}.rope.freq_base", 10000f);

        // Duplicate tokens abort llama.cpp, so the three special tokens are spelled unlike any byte.
        string[] tokens = [.. ByteVocabulary.Tokens, "<|endoftext|>", "<|im_start|>", "<|im_end|>"];
        int[] types = [.. Enumerable.Repeat(1, 256), 3, 3, 3]; // 1 normal, 3 control
        gguf.Add("tokenizer.ggml.model", "gpt2");
        gguf.Add("tokenizer.ggml.pre", "default");
        gguf.Add("tokenizer.ggml.tokens", tokens);
        gguf.Add("tokenizer.ggml.token_type", types);
        gguf.Add("tokenizer.ggml.merges", Array.Empty<string>());
        gguf.Add("tokenizer.ggml.bos_token_id", (uint)EndOfText);
        gguf.Add("tokenizer.ggml.eos_token_id", (uint)ImEnd);
        gguf.Add("tokenizer.ggml.add_bos_token", false);
        gguf.Add("tokenizer.chat_template", options.ChatTemplate);

        var random = new Random(options.Seed);
        var headDim = Embedding / Heads;
        gguf.AddTensor("token_embd.weight", [Embedding, VocabularySize], TokenEmbedding());
        gguf.AddTensor("output_norm.weight", [Embedding], Ones(Embedding));
        gguf.AddTensor("output.weight", [Embedding, VocabularySize], Output());
        for (var layer = 0; layer < Layers; layer++)
        {
            var blk = $"blk.{layer}.";
            gguf.AddTensor(blk + "attn_norm.weight", [Embedding], Ones(Embedding));
            gguf.AddTensor(blk + "attn_q.weight", [Embedding, Embedding], Gaussian(random, Embedding * Embedding));
            gguf.AddTensor(blk + "attn_k.weight", [Embedding, (ulong)(KvHeads * headDim)], Gaussian(random, Embedding * KvHeads * headDim));
            gguf.AddTensor(blk + "attn_v.weight", [Embedding, (ulong)(KvHeads * headDim)], Gaussian(random, Embedding * KvHeads * headDim));
            gguf.AddTensor(blk + "attn_output.weight", [Embedding, Embedding], Gaussian(random, Embedding * Embedding));
            gguf.AddTensor(blk + "ffn_norm.weight", [Embedding], Ones(Embedding));
            gguf.AddTensor(blk + "ffn_gate.weight", [Embedding, FeedForward], Gaussian(random, Embedding * FeedForward));
            gguf.AddTensor(blk + "ffn_up.weight", [Embedding, FeedForward], Gaussian(random, Embedding * FeedForward));
            gguf.AddTensor(blk + "ffn_down.weight", [FeedForward, Embedding], Gaussian(random, FeedForward * Embedding));
        }
        return gguf;
    }

    private static float[] TokenEmbedding()
    {
        var data = new float[VocabularySize * Embedding];
        for (var token = 0; token < VocabularySize; token++)
            data[token * Embedding + token] = Spike;
        return data;
    }

    /// <summary>
    /// Row <c>next</c> holds the byte-pair logits of <c>next</c> after each previous token, divided by the height the
    /// final RMS norm gives the spike (√embedding). The rows of the three special tokens stay zero: their logit of 0
    /// is about 25 below every byte's, a probability near e⁻²⁵ per token.
    /// </summary>
    private static float[] Output()
    {
        var logits = BigramTable.Logits();
        var scale = 1f / MathF.Sqrt(Embedding);
        var data = new float[VocabularySize * Embedding];
        for (var next = 0; next < 256; next++)
        {
            for (var previous = 0; previous < 256; previous++)
                data[next * Embedding + previous] = logits[next, previous] * scale;
            // After a special token (the prompt ends with one only if a caller leaves out the assistant header), any byte.
            for (var special = 256; special < VocabularySize; special++)
                data[next * Embedding + special] = (BigramTable.Offset - 8f) * scale;
        }
        return data;
    }

    private static float[] Ones(int count) => Enumerable.Repeat(1f, count).ToArray();

    private static float[] Gaussian(Random random, int count)
    {
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller: Random is deterministic for a given seed, NextDouble's algorithm included.
            var u = 1.0 - random.NextDouble();
            var v = random.NextDouble();
            data[i] = (float)(LayerStd * Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v));
        }
        return data;
    }
}
