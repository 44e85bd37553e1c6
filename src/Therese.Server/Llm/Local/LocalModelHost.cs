using LLama;
using LLama.Common;
using LLama.Exceptions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Therese.Server.Storage;

namespace Therese.Server.Llm.Local;

/// <summary>
/// The local models of this process (one instance for the app). It loads a model on first use and keeps it;
/// asking for another model frees the old one. One generation runs at a time: each holds a turn, and a second
/// request waits for it. llama.cpp would run two contexts side by side, but on a small CPU two answers at once
/// each come at half speed, and each context holds its own KV cache in memory.
/// </summary>
public sealed class LocalModelHost : IDisposable
{
    private readonly LocalModelOptions _options;
    private readonly DataDirectory _data;
    private readonly ILogger<LocalModelHost> _logger;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Lock _gate = new();
    private volatile LoadedModel? _current;
    private int _loadCount;
    private int _generations;
    private volatile string? _loading;
    private bool _disposed;

    public LocalModelHost(IOptions<LocalModelOptions> options, DataDirectory data, ILogger<LocalModelHost> logger)
    {
        _options = options.Value;
        _data = data;
        _logger = logger;
        LlamaLog.Install(logger);
    }

    /// <summary>Full path of the model in memory, or null.</summary>
    public string? LoadedModelPath => _current?.Path;

    /// <summary>How many times weights were read from disk since start.</summary>
    public int LoadCount => Volatile.Read(ref _loadCount);

    /// <summary>Full path of the model being loaded right now, or null.</summary>
    public string? LoadingModelPath => _loading;

    /// <summary>
    /// Answers generating now. Each counts from the creation of its llama.cpp context until its last native call has
    /// returned and the context is freed, so 0 means no generation loop is left, a stopped answer's included.
    /// </summary>
    public int RunningGenerations => Volatile.Read(ref _generations);

    internal LoadedModel? Current => _current;

    /// <summary>The file behind a model name: a file name in the models folder, or an absolute path to a .gguf file.</summary>
    /// <exception cref="LocalModelException">model_missing, in French.</exception>
    public string ResolvePath(string? model)
    {
        if (string.IsNullOrWhiteSpace(model)) throw LocalModelException.NoModel();
        model = model.Trim();
        if (Path.IsPathFullyQualified(model))
        {
            if (!model.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                throw LocalModelException.BadName(model, _data.ModelsPath);
            var full = Path.GetFullPath(model);
            return File.Exists(full) ? full : throw LocalModelException.NotFound(model, full);
        }

        // A bare file name only: no separator, no "..", so that a setting cannot reach outside the folder.
        if (model is "." or ".." || model.IndexOfAny(['/', '\\', '\0']) >= 0 || Path.IsPathRooted(model))
            throw LocalModelException.BadName(model, _data.ModelsPath);
        var inFolder = Path.Combine(_data.ModelsPath, model);
        if (File.Exists(inFolder)) return inFolder;
        if (!model.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && File.Exists(inFolder + ".gguf")) return inFolder + ".gguf";
        throw LocalModelException.NotFound(model, $"dossier {_data.ModelsPath}");
    }

    /// <summary>True when this model is in memory and its file has not changed since: no loading needed.</summary>
    public bool IsLoaded(string? model)
    {
        try
        {
            var path = ResolvePath(model);
            return _current is { } current && current.Path == path && current.Stamp == FileStamp.Of(path);
        }
        catch (Exception ex) when (ex is LocalModelException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Waits until no other generation runs. Dispose the result to let the next one go.</summary>
    internal async Task<IDisposable> TakeTurnAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        return new Turn(_turn);
    }

    /// <summary>
    /// The model in memory, loaded first if needed. Call it holding a turn: loads never overlap, and the previous
    /// model is freed before the next one loads, so two models never share a small machine's memory.
    /// </summary>
    /// <exception cref="LocalModelException">The model is missing, invalid, unsupported, or llama.cpp cannot start.</exception>
    /// <exception cref="OperationCanceledException">The request was cancelled; nothing stays loaded.</exception>
    internal async Task<ModelLease> LoadAsync(string model, CancellationToken cancellationToken)
    {
        var path = ResolvePath(model);
        FileStamp stamp;
        GgufFile file;
        try
        {
            stamp = FileStamp.Of(path);
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_current is { } current && current.Path == path && current.Stamp == stamp) return current.Lease();
            }
            file = GgufFile.Read(path, model);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw LocalModelException.Unreadable(model, ex);
        }
        Replace(null);
        _loading = path;
        try
        {
            var weights = await LoadWeightsAsync(path, model, file, cancellationToken);
            var loaded = new LoadedModel(path, stamp, model, weights, ContextParams(path, weights));
            Interlocked.Increment(ref _loadCount);
            _logger.LogInformation("Local model {Model} loaded ({Architecture}, context {Context} tokens, {Threads} threads)",
                model, file.Architecture, loaded.ContextSize, loaded.ContextParams.Threads);
            if (!Replace(loaded))
            {
                // The app stopped while the model loaded.
                loaded.Release();
                throw new ObjectDisposedException(nameof(LocalModelHost));
            }
            return loaded.Lease();
        }
        finally
        {
            _loading = null;
        }
    }

    /// <summary>A new generation on <paramref name="model"/>, counted in <see cref="RunningGenerations"/> until it is disposed.</summary>
    internal LocalGeneration Generate(LoadedModel model, ChatOptions? options, CancellationToken stop)
    {
        var generation = new LocalGeneration(model, options, stop, freed: () => Interlocked.Decrement(ref _generations));
        Interlocked.Increment(ref _generations);
        return generation;
    }

    private async Task<LLamaWeights> LoadWeightsAsync(string path, string name, GgufFile file, CancellationToken cancellationToken)
    {
        using var log = LlamaLog.Start();
        try
        {
            return await LLamaWeights.LoadFromFileAsync(new ModelParams(path) { GpuLayerCount = 0 }, cancellationToken);
        }
        catch (LoadWeightsFailedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var detail = log.LastError;
            if (detail?.Contains("unknown model architecture", StringComparison.Ordinal) == true)
                throw LocalModelException.UnknownArchitecture(name, file.Architecture);
            throw LocalModelException.LoadFailed(name, detail, ex);
        }
        // The native libraries load on the first call into LLamaSharp; when they cannot, every later call fails the same way.
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException
                                       or RuntimeError and not LoadWeightsFailedException)
        {
            var diagnosis = NativeLibraryProbe.Diagnose();
            _logger.LogError(ex, "llama.cpp cannot start: {Diagnosis}", diagnosis);
            throw LocalModelException.Native(diagnosis, ex);
        }
    }

    private ModelParams ContextParams(string path, LLamaWeights weights)
    {
        var trained = weights.ContextSize > 0 ? weights.ContextSize : LocalModelOptions.DefaultMaxContext;
        var context = _options.ContextSize is > 0 and var configured ? configured : LocalModelOptions.DefaultMaxContext;
        if (context > trained)
            _logger.LogInformation("Context of {Configured} tokens reduced to the {Trained} the model was trained with", context, trained);
        var threads = _options.Threads is > 0 and var t ? t : CpuCores.PhysicalCores;
        var batch = (uint)Math.Max(_options.BatchSize, 1);
        return new ModelParams(path)
        {
            ContextSize = (uint)Math.Min(context, trained),
            Threads = threads,
            BatchThreads = threads,
            BatchSize = batch,
            UBatchSize = batch,
            GpuLayerCount = 0,
        };
    }

    /// <summary>Makes <paramref name="next"/> current and releases the host's hold on the previous model.</summary>
    private bool Replace(LoadedModel? next)
    {
        LoadedModel? previous;
        lock (_gate)
        {
            if (_disposed && next is not null) return false;
            previous = _current;
            _current = next;
        }
        if (previous is not null)
        {
            previous.Release();
            _logger.LogInformation("Local model {Model} released", previous.Name);
        }
        return true;
    }

    /// <summary>Releases the current model; a generation still running keeps it until it ends.</summary>
    public void Dispose()
    {
        lock (_gate) _disposed = true;
        Replace(null);
    }

    private sealed class Turn(SemaphoreSlim turn) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) turn.Release();
        }
    }
}
