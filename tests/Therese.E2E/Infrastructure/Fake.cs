using System.Text.Encodings.Web;
using System.Text.Json;

namespace Therese.E2E.Infrastructure;

/// <summary>Builds user messages that script the fake provider (tools/Therese.FakeLlm/README.md).</summary>
public static class Fake
{
    public static string Message(object script, string question = "Question de test") =>
        $"{question}\n::fake {JsonSerializer.Serialize(script, Options)}";

    // Accents stay readable in the directive (the fake reads any valid JSON).
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
