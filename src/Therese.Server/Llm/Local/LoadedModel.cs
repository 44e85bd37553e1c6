using LLama;
using LLama.Common;

namespace Therese.Server.Llm.Local;

/// <summary>
/// Weights in memory, with the context settings every generation on them uses. Counted references: the host holds
/// one while the model is current, each generation one more; the weights are freed when the last one goes.
/// </summary>
internal sealed class LoadedModel
{
    private int _references = 1;

    public LoadedModel(string path, FileStamp stamp, string name, LLamaWeights weights, ModelParams contextParams)
    {
        Path = path;
        Stamp = stamp;
        Name = name;
        Weights = weights;
        ContextParams = contextParams;
    }

    public string Path { get; }
    public FileStamp Stamp { get; }

    /// <summary>The name the user chose, for messages.</summary>
    public string Name { get; }

    public LLamaWeights Weights { get; }
    public ModelParams ContextParams { get; }
    public int ContextSize => (int)ContextParams.ContextSize!.Value;

    public bool IsFreed => Weights.NativeHandle.IsClosed;

    public ModelLease Lease()
    {
        // Never revive freed weights: a lease is only taken from the current model, under the host's lock.
        if (Interlocked.Increment(ref _references) <= 1) throw new ObjectDisposedException(Path);
        return new ModelLease(this);
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) Weights.Dispose();
    }
}

/// <summary>One user of a <see cref="LoadedModel"/>; disposing it releases the model once.</summary>
internal sealed class ModelLease(LoadedModel model) : IDisposable
{
    private int _released;

    public LoadedModel Model { get; } = model;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) Model.Release();
    }
}

/// <summary>Size and time of a model file: a file replaced under the same name (a new download) is loaded again.</summary>
internal readonly record struct FileStamp(long Length, DateTime LastWriteUtc)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return new FileStamp(info.Length, info.LastWriteTimeUtc);
    }
}
