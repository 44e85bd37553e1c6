using System.Text.Json;

namespace Therese.Tests.Chat;

/// <summary>Builds a user message that scripts the fake provider (see tools/Therese.FakeLlm/README.md).</summary>
public static class Directive
{
    public static string Message(object script, string question = "Question de test") =>
        $"{question}\n::fake {JsonSerializer.Serialize(script)}";
}
