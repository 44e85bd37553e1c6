using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Therese.Server.Llm.Local;
using Therese.Server.Storage;
using Therese.TinyGguf;

namespace Therese.Tests.Local;

/// <summary>
/// The local-model tests run one at a time, after the others: llama.cpp takes every core while it generates, and the
/// other tests should not wait behind it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalModelCollection : ICollectionFixture<TinyModels>
{
    public const string Name = "Local model";
}

/// <summary>A data folder whose models folder holds tiny models written by Therese.TinyGguf, good and broken.</summary>
public sealed class TinyModels : IDisposable
{
    public const string Good = "tiny.gguf";
    public const string Other = "tiny-b.gguf";
    public const string UnknownArchitecture = "mamba9.gguf";
    public const string RandomBytes = "random.gguf";
    public const string Truncated = "truncated.gguf";
    public const string HeaderCut = "header-cut.gguf";
    public const string DuplicateToken = "duplicate-token.gguf";
    public const string NoTensors = "no-tensors.gguf";
    /// <summary>Qwen3's template: a thinking switch (enable_thinking).</summary>
    public const string ThinkingSwitch = "tiny-qwen3.gguf";
    /// <summary>A DeepSeek-R1 distillation's template: it opens a think block at the end of the generation prompt.</summary>
    public const string OpensThinking = "tiny-r1.gguf";

    public TinyModels()
    {
        Data = new DataDirectory(Path.Combine(Path.GetTempPath(), "therese-local-" + Guid.NewGuid().ToString("N")));
        Directory.CreateDirectory(Data.ModelsPath);
        TinyModel.Write(PathOf(Good));
        TinyModel.Write(PathOf(Other), new TinyModelOptions { Seed = 2 });
        TinyModel.Write(PathOf(UnknownArchitecture), new TinyModelOptions { Architecture = "mamba9" });
        TinyModel.Write(PathOf(ThinkingSwitch), new TinyModelOptions
        {
            ChatTemplate = TinyModel.ChatTemplate.Replace("{{ '<|im_start|>assistant\n' }}",
                "{{ '<|im_start|>assistant\n' }}{% if enable_thinking is defined and enable_thinking is false %}{{ '<think>\n\n</think>\n\n' }}{% endif %}"),
        });
        TinyModel.Write(PathOf(OpensThinking), new TinyModelOptions
        {
            ChatTemplate = TinyModel.ChatTemplate.Replace("{{ '<|im_start|>assistant\n' }}", "{{ '<|im_start|>assistant\n<think>\n' }}"),
        });

        var good = File.ReadAllBytes(PathOf(Good));
        File.WriteAllBytes(PathOf(RandomBytes), RandomData(64 * 1024));
        File.WriteAllBytes(PathOf(Truncated), good[..(good.Length / 2)]);
        File.WriteAllBytes(PathOf(HeaderCut), good[..2000]);
        File.WriteAllBytes(PathOf(DuplicateToken), WithDuplicateToken(good));
        // A well-formed header that declares no tensor: only llama.cpp can tell the weights are missing.
        File.WriteAllBytes(PathOf(NoTensors), [.. good[..8], .. new byte[8], .. good[16..]]);
    }

    public DataDirectory Data { get; }

    public string PathOf(string name) => Path.Combine(Data.ModelsPath, name);

    /// <summary>A host of its own for each test, so that loads and frees are the test's own.</summary>
    public LocalModelHost Host(int? threads = 1, int? contextSize = null, int batchSize = 512) =>
        new(Options.Create(new LocalModelOptions { Threads = threads, ContextSize = contextSize, BatchSize = batchSize }), Data, NullLogger<LocalModelHost>.Instance);

    public static List<ChatMessage> Conversation(string user = "Bonjour THÉRÈSE, peux-tu m’aider à préparer la réunion ?") =>
    [
        new(ChatRole.System, "Tu es THÉRÈSE, une assistante française."),
        new(ChatRole.User, user),
    ];

    public static async Task<List<ChatResponseUpdate>> CollectAsync(IChatClient client, ChatOptions? options = null,
        IList<ChatMessage>? messages = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages ?? Conversation(), options, cancellationToken))
            updates.Add(update);
        return updates;
    }

    /// <summary>The answer's token ids, from the raw representation of each update (the tiny vocabulary's id is its byte).</summary>
    public static int[] TokensOf(IEnumerable<ChatResponseUpdate> updates) =>
        updates.SelectMany(u => u.RawRepresentation as LLama.Native.LLamaToken[] ?? []).Select(t => (int)t).ToArray();

    private static byte[] RandomData(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Spells the token of byte 'b' like the token of byte 'a': llama.cpp would abort on such a vocabulary.</summary>
    private static byte[] WithDuplicateToken(byte[] model)
    {
        // In the tokens array each one-byte token is a u64 length of 1 followed by its character.
        byte[] pattern = [1, 0, 0, 0, 0, 0, 0, 0, (byte)'a', 1, 0, 0, 0, 0, 0, 0, 0, (byte)'b'];
        var at = model.AsSpan().IndexOf(pattern);
        if (at < 0) throw new InvalidOperationException("The tokens of 'a' and 'b' were not found in the tiny model.");
        var copy = (byte[])model.Clone();
        copy[at + pattern.Length - 1] = (byte)'a';
        return copy;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Data.Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
