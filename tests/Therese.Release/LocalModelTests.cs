using System.Runtime.Intrinsics.X86;
using System.Text.Json.Nodes;
using Therese.TinyGguf;
using Xunit.Abstractions;

namespace Therese.Release;

/// <summary>
/// The model inside THÉRÈSE, from the download, pinned in the appsettings.json beside the executable: llama.cpp's
/// libraries are found beside the executable, the variant
/// this processor runs is the one loaded, a processor without AVX gets the noavx one, and when none fits the person
/// reads why, in French.
/// </summary>
[Collection(ReleaseCollection.Name)]
public sealed class LocalModelTests(ReleaseArchives archives, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private readonly string _home = Path.Combine(Path.GetTempPath(), "therese-home-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Dictionary<string, string> Environment(bool avx) => new()
    {
        ["HOME"] = _home,
        ["PATH"] = "/nonexistent",
        ["LANG"] = "fr_FR.UTF-8",
        // .NET then reports no AVX, and LLamaSharp chooses its variant from what .NET reports: a processor without AVX, as far as it can tell.
        ["DOTNET_EnableAVX"] = avx ? "1" : "0",
    };

    [Fact]
    public async Task The_tiny_model_answers_on_the_variant_this_processor_runs_on_noavx_without_AVX_and_says_why_when_none_fits()
    {
        var app = archives.ExtractLinux();
        // The model pinned as an administrator would: in the appsettings.json beside the executable.
        var settings = Path.Combine(app, "appsettings.json");
        var json = JsonNode.Parse(File.ReadAllText(settings))!.AsObject();
        json["Therese"]!["Llm"] = new JsonObject { ["Provider"] = "local", ["Model"] = "tiny.gguf", ["MaxTokens"] = 30 };
        json["Therese"]!["Local"] = new JsonObject { ["Threads"] = 1 };
        File.WriteAllText(settings, json.ToJsonString());
        var models = Path.Combine(_home, ".local", "share", "therese", "models");
        Directory.CreateDirectory(models);
        TinyModel.Write(Path.Combine(models, "tiny.gguf"));

        string[] fitting = Avx512F.IsSupported ? ["avx512", "avx2"] : Avx2.IsSupported ? ["avx2"] : Avx.IsSupported ? ["avx"] : ["noavx"];
        var loaded = await AnswerAsync(app, avx: true);
        Assert.Contains(loaded, fitting);
        Assert.Equal("noavx", await AnswerAsync(app, avx: false));

        // The noavx variant gone (a damaged installation), on a processor without AVX: no variant fits.
        Directory.Delete(Path.Combine(app, "runtimes", "linux-x64", "native", "noavx"), recursive: true);
        await using var broken = AppProcess.Start(app, Environment(avx: false), "--no-browser");
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(await broken.WaitUntilListeningAsync(Startup)) };
            await using var stream = await ChatStreamReader.OpenAsync(http, new { content = "Bonjour" });
            var error = (await stream.ReadToEndAsync()).Single(e => !e.IsDoneMarker && e.Type == "error").Json.GetProperty("error");
            var message = error.GetProperty("message").GetString()!;
            output.WriteLine(message);
            Assert.Contains("ne convient à ce processeur, qui n’a pas les instructions AVX", message);
            Assert.Contains("La variante «\u00a0noavx\u00a0», prévue pour lui, manque", message);
        }
        finally
        {
            output.WriteLine(broken.Output);
        }
    }

    /// <summary>Starts the app, has the tiny model answer, and returns the variant folder of the libllama.so it mapped.</summary>
    private async Task<string> AnswerAsync(string app, bool avx)
    {
        await using var therese = AppProcess.Start(app, Environment(avx), "--no-browser");
        try
        {
            var address = await therese.WaitUntilListeningAsync(Startup);
            await therese.WaitForLineAsync("ouverture automatique désactivée par --no-browser", TimeSpan.FromSeconds(5));
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(address) };
            await using var stream = await ChatStreamReader.OpenAsync(http, new { content = "Bonjour THÉRÈSE, qui es-tu ?" });
            var events = await stream.ReadToEndAsync();
            var done = events.Single(e => !e.IsDoneMarker && e.Type == "done");
            Assert.Equal(30, done.Json.GetProperty("usage").GetProperty("output_tokens").GetInt32());
            Assert.NotEmpty(stream.Deltas);

            var library = therese.MappedFiles().Single(f => f.EndsWith("/libllama.so", StringComparison.Ordinal));
            output.WriteLine($"AVX {(avx ? "on" : "off")}: {library}");
            Assert.StartsWith(Path.Combine(app, "runtimes", "linux-x64", "native") + "/", library);
            therese.Interrupt();
            Assert.Equal(0, await therese.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            return Path.GetFileName(Path.GetDirectoryName(library))!;
        }
        finally
        {
            output.WriteLine(therese.Output);
        }
    }
}
