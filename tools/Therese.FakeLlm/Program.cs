namespace Therese.FakeLlm;

/// <summary>Standalone entry point: <c>dotnet run --project tools/Therese.FakeLlm -- --urls http://127.0.0.1:PORT</c>.</summary>
internal static class Program
{
    private static async Task Main(string[] args)
    {
        await FakeLlmServer.RunStandaloneAsync(args);
    }
}
