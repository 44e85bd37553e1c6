namespace Therese.Server.Llm.Local;

/// <summary>The Therese:Local configuration section: how a local GGUF model runs on this machine.</summary>
public sealed class LocalModelOptions
{
    public const string Section = "Therese:Local";

    /// <summary>Largest context used when none is configured, to keep the KV cache small on ordinary machines.</summary>
    public const int DefaultMaxContext = 4096;

    /// <summary>Tokens of prompt and answer together. Default: the model's trained context, at most 4096.</summary>
    public int? ContextSize { get; set; }

    /// <summary>CPU threads for generation and prompt processing. Default: the physical cores this process may use.</summary>
    public int? Threads { get; set; }

    /// <summary>Prompt tokens sent to llama.cpp in one call.</summary>
    public int BatchSize { get; set; } = 512;
}
