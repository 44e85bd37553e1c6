using System.Net.Http.Json;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Therese.FakeLlm;
using Therese.TinyGguf;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// THÉRÈSE with no model, a hub that serves the tiny test model under the recommended entry's name
/// (slowly enough to watch the progress bar), and local generation on one thread.
/// </summary>
public sealed class LocalModelFixture : E2EFixture
{
    public const string Repo = "bartowski/Qwen2.5-1.5B-Instruct-GGUF";
    public const string File = "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf";

    protected override string? Provider => null;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Therese:Local:Threads"] = "1",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var path = Path.Combine(Path.GetTempPath(), "therese-e2e-tiny-" + Guid.NewGuid().ToString("N") + ".gguf");
        TinyModel.Write(path);
        Host.Fake.Hub.Add(Repo, File, await System.IO.File.ReadAllBytesAsync(path), new HubFaults { BytesPerSecond = 1_500_000 });
        System.IO.File.Delete(path);
    }
}

/// <summary>A model that runs inside THÉRÈSE: one-click download from the onboarding, then a streamed answer, and Stop.</summary>
public sealed class LocalModelTests(LocalModelFixture fixture, ITestOutputHelper output)
    : E2ETest<LocalModelFixture>(fixture, output), IClassFixture<LocalModelFixture>
{
    /// <summary>Each test starts from a THÉRÈSE with no model and an empty models folder.</summary>
    private async Task StartFreshAsync()
    {
        using var http = Host.CreateClient();
        using var reset = await http.PutAsJsonAsync("/api/settings", new Dictionary<string, object?> { ["provider"] = null, ["model"] = null, ["max_tokens"] = null });
        reset.EnsureSuccessStatusCode();
        var models = Path.Combine(Host.DataDir, "models");
        if (Directory.Exists(models))
            foreach (var file in Directory.GetFiles(models)) System.IO.File.Delete(file);
    }

    [Fact]
    public Task Download_from_the_onboarding_with_progress_then_use_it_and_get_a_streamed_answer() => RunAsync(async () =>
    {
        await StartFreshAsync();
        await Page.GotoAsync("/");
        await Expect(Page.GetByTestId("onboarding")).ToBeVisibleAsync();
        await Page.GetByTestId("onboarding-local").ClickAsync();

        var recommended = Page.Locator("[data-testid=catalog-model][data-model-id='qwen2.5-1.5b-instruct']");
        await Expect(recommended).ToContainTextAsync("Recommandé");
        await Expect(recommended).ToContainTextAsync("licence Apache-2.0");
        await recommended.GetByTestId("download-model").ClickAsync();

        // The bar moves, with the size, the speed and the time left.
        var progress = recommended.GetByTestId("download-progress");
        await Expect(progress).ToBeVisibleAsync();
        await Expect(progress.GetByRole(AriaRole.Progressbar)).ToHaveAttributeAsync("aria-valuenow", new System.Text.RegularExpressions.Regex("^[1-9][0-9]?$"));
        await Expect(progress.GetByTestId("download-detail")).ToContainTextAsync(" sur 3,");
        await Expect(progress.GetByTestId("download-detail")).ToContainTextAsync("/s");

        await recommended.GetByTestId("use-model").ClickAsync(new() { Timeout = 20_000 });
        await Expect(Page.GetByTestId("onboarding")).ToHaveCountAsync(0);
        await Expect(Input).ToBeVisibleAsync();

        using (var http = Host.CreateClient())
        using (var saved = await http.PutAsJsonAsync("/api/settings", new { max_tokens = 120 }))
            saved.EnsureSuccessStatusCode();
        await SendAsync("Bonjour, qui es-tu ?");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 20_000 });
        var text = await LastAnswerTextAsync();
        Output.WriteLine($"tiny model answered: «{text}»");
        Assert.True(text.Trim().Length > 0);
        await Expect(LastAssistant.GetByTestId("message-tokens")).ToContainTextAsync("→ 120 jetons");
        // Nothing left the machine: the provider was never called.
        Assert.DoesNotContain(FakeLlm.Requests, r => r.Messages.Any(m => m.Content.Contains("qui es-tu")));
    });

    [Fact]
    public Task Stop_on_the_local_model_freezes_the_answer_and_saves_it_stopped() => RunAsync(async () =>
    {
        await StartFreshAsync();
        var models = Path.Combine(Host.DataDir, "models");
        Directory.CreateDirectory(models);
        TinyModel.Write(Path.Combine(models, "petit.gguf"));
        using (var http = Host.CreateClient())
        using (var saved = await http.PutAsJsonAsync("/api/settings", new { provider = "local", model = "petit.gguf", max_tokens = 100_000 }))
            saved.EnsureSuccessStatusCode();

        await OpenAsync();
        await SendAsync("Écris une très longue histoire.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(Page.GetByTestId("streaming-cursor")).ToBeVisibleAsync();
        // Escape: it always stops at once (the button ignores a click in the first 600 ms after Send, and this
        // model writes thousands of tokens a second).
        await Page.Keyboard.PressAsync("Escape");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");

        var shown = await LastAnswerTextAsync();
        await Task.Delay(700);
        Assert.Equal(shown, await LastAnswerTextAsync());
        await Page.ReloadAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        Assert.StartsWith(shown.TrimEnd(), (await LastAnswerTextAsync()).TrimEnd(), StringComparison.Ordinal);
    });
}
