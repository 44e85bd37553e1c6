using System.Text;
using LLama.Native;

namespace Therese.Server.Llm.Local;

/// <summary>
/// llama.cpp's log, sent to the app's log instead of stderr. While a model loads, its errors are also kept
/// (per async flow): llama.cpp tells the reason of a failed load only there, for instance
/// "unknown model architecture: 'mamba9'".
/// </summary>
internal static class LlamaLog
{
    private static readonly AsyncLocal<List<string>?> Captured = new();
    private static readonly ThreadLocal<StringBuilder> Pending = new(() => new StringBuilder());
    private static readonly Lock Gate = new();
    private static ILogger? _logger;
    private static bool _installed;

    // Held in a field: llama.cpp keeps the function pointer for the life of the process.
    private static readonly NativeLogConfig.LLamaLogCallback Callback = OnLog;

    /// <summary>Routes llama.cpp's log to <paramref name="logger"/>; call before the first native call to see library loading too.</summary>
    public static void Install(ILogger logger)
    {
        lock (Gate)
        {
            _logger = logger;
            if (_installed) return;
            _installed = true;
        }
        NativeLogConfig.llama_log_set(Callback);
    }

    /// <summary>Keeps the warnings and errors llama.cpp logs on this async flow until the scope is disposed.</summary>
    public static Capture Start()
    {
        var lines = new List<string>();
        Captured.Value = lines;
        return new Capture(lines);
    }

    public readonly struct Capture(List<string> lines) : IDisposable
    {
        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (lines) return [.. lines];
            }
        }

        /// <summary>The last error line, without llama.cpp's function prefixes.</summary>
        public string? LastError
        {
            get
            {
                var last = Lines.LastOrDefault(l => l.Contains("error loading model:", StringComparison.Ordinal))
                    ?? Lines.LastOrDefault();
                if (last is null) return null;
                var at = last.LastIndexOf("error loading model:", StringComparison.Ordinal);
                return (at >= 0 ? last[(at + "error loading model:".Length)..] : last).Trim();
            }
        }

        public void Dispose() => Captured.Value = null;
    }

    private static void OnLog(LLamaLogLevel level, string message)
    {
        // An exception must not unwind into llama.cpp: the process would die.
        try
        {
            Write(level, message);
        }
        catch (Exception)
        {
        }
    }

    private static void Write(LLamaLogLevel level, string message)
    {
        // llama.cpp sends a line in pieces (the progress dots); the level of a piece is Continue.
        var pending = Pending.Value!;
        if (level != LLamaLogLevel.Continue || pending.Length == 0)
            pending.Clear().Append((char)('0' + (int)(level == LLamaLogLevel.Continue ? LLamaLogLevel.Info : level)));
        pending.Append(message);
        if (!message.EndsWith('\n')) return;

        var line = pending.ToString(1, pending.Length - 2).TrimEnd();
        var lineLevel = (LLamaLogLevel)(pending[0] - '0');
        pending.Clear();
        if (line.Length == 0) return;

        if (lineLevel >= LLamaLogLevel.Warning && Captured.Value is { } lines)
            lock (lines) lines.Add(line);

        // A failed load is reported once, by the caller, as a French error: llama.cpp's own lines stay below warnings.
        var logLevel = lineLevel switch
        {
            LLamaLogLevel.Error => LogLevel.Information,
            LLamaLogLevel.Warning => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        _logger?.Log(logLevel, "llama.cpp: {Line}", line);
    }
}
