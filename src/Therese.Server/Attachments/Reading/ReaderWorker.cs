using System.Text.Json;
using System.Text.Json.Serialization;

namespace Therese.Server.Attachments.Reading;

/// <summary>
/// The reader process: THÉRÈSE's own program started with <see cref="Argument"/>. It reads a file from its standard
/// input, and writes what it read (or why it refuses the file) as JSON on its standard output. A parser that hangs,
/// overflows its stack or eats memory takes this process down, never the server (<see cref="ReaderProcess"/>).
/// </summary>
public static class ReaderWorker
{
    public const string Argument = "--therese-read-file";

    public static bool IsInvoked(string[] args) => args.Length > 0 && args[0] == Argument;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The reader's answer: a reading, or a failure.</summary>
    /// <param name="PeakMemoryBytes">The reader's peak working set (VmHWM on Linux), for the benchmark.</param>
    public sealed record Answer(FileReading? Reading, Failure? Failure, long PeakMemoryBytes = 0);

    public sealed record Failure(int Status, string Code, string Detail);

    public static async Task<int> RunAsync(string[] args)
    {
        var limits = args.Length > 1 ? JsonSerializer.Deserialize<ReadingLimits>(args[1], Json) ?? new() : new();
        using var input = new MemoryStream();
        await Console.OpenStandardInput().CopyToAsync(input);
        Answer answer;
        try
        {
            answer = new Answer(FileReader.Read(input.ToArray(), limits), null);
        }
        catch (ReadFailure failure)
        {
            answer = new Answer(null, new Failure(failure.Status, failure.Code, failure.Detail));
        }
        catch (OutOfMemoryException)
        {
            answer = new Answer(null, new Failure(422, ReadFailure.Unreadable, ReaderProcess.TooMuchMemory));
        }
        answer = answer with { PeakMemoryBytes = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 };
        await using var output = Console.OpenStandardOutput();
        await JsonSerializer.SerializeAsync(output, answer, Json);
        return 0;
    }
}
