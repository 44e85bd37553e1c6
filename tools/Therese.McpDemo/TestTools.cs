using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol.Server;

namespace Therese.McpDemo;

/// <summary>Knobs for THÉRÈSE's tests (only with --test-tools): a slow tool, a crash on demand, a long result.</summary>
[McpServerToolType]
public static class TestTools
{
    /// <summary>Where <c>attendre</c> records that it started and how it ended (started, done, cancelled), one JSON line each.</summary>
    public const string LogVariable = "THERESE_MCP_DEMO_LOG";

    [McpServerTool(Name = "attendre", ReadOnly = true)]
    [Description("Attend le nombre de secondes demandé, puis répond.")]
    public static async Task<string> Wait([Description("Combien de secondes attendre.")] int secondes, CancellationToken ct)
    {
        await Record("started", ct: CancellationToken.None);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(secondes), ct);
        }
        catch (OperationCanceledException)
        {
            await Record("cancelled", CancellationToken.None);
            throw;
        }
        await Record("done", CancellationToken.None);
        return $"J'ai attendu {secondes} secondes.";
    }

    [McpServerTool(Name = "planter", ReadOnly = true)]
    [Description("Arrête brutalement ce serveur d'outils (pour les tests).")]
    public static string Crash()
    {
        Environment.Exit(3);
        return "";
    }

    [McpServerTool(Name = "texte_long", ReadOnly = true)]
    [Description("Renvoie un texte du nombre de caractères demandé.")]
    public static string LongText([Description("Le nombre de caractères.")] int caracteres) =>
        string.Create(caracteres, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = "abcdefghij"[i % 10];
        });

    private static async Task Record(string what, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(LogVariable) is { Length: > 0 } log)
            await File.AppendAllTextAsync(log, JsonSerializer.Serialize(new { tool = "attendre", what }) + "\n", ct);
    }
}
