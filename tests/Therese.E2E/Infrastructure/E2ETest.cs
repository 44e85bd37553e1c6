using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Playwright;
using Therese.FakeLlm;
using Therese.Testing;
using Xunit.Abstractions;

namespace Therese.E2E.Infrastructure;

/// <summary>
/// Base of every browser test: a fresh browser context and page per test, the page's console and
/// errors recorded, and <see cref="RunAsync"/> which, when the test body throws, saves a full-page
/// screenshot, the console log and the fake provider's log to e2e-artifacts/&lt;Class.Test&gt;/.
/// </summary>
public abstract class E2ETest<TFixture> : IAsyncLifetime where TFixture : E2EFixture
{
    private readonly ConcurrentQueue<string> _console = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    protected E2ETest(TFixture fixture, ITestOutputHelper output)
    {
        Fixture = fixture;
        Output = output;
    }

    protected TFixture Fixture { get; }
    protected ITestOutputHelper Output { get; }
    protected ThereseHost Host => Fixture.Host;
    protected FakeLlmServer FakeLlm => Fixture.Host.Fake;
    protected IBrowserContext Context { get; private set; } = null!;
    protected IPage Page { get; private set; } = null!;

    /// <summary>Browser window size; tests may override it.</summary>
    protected virtual ViewportSize Viewport => new() { Width = 1280, Height = 900 };

    /// <summary>True to ignore the page's Content-Security-Policy (to test the renderer without that safety net).</summary>
    protected virtual bool BypassCsp => false;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(10_000);
        FakeLlm.ClearLog(); // also resets the fake's `times` counters
        Context = await Fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.BaseUrl,
            ViewportSize = Viewport,
            Locale = "fr-FR",
            BypassCSP = BypassCsp,
        });
        Context.SetDefaultTimeout(15_000);
        Page = await Context.NewPageAsync();
        Page.Console += (_, message) => Log($"console.{message.Type}: {message.Text}");
        Page.PageError += (_, error) => Log($"PAGE ERROR: {error}");
        Page.RequestFailed += (_, request) => Log($"request failed: {request.Method} {request.Url} {request.Failure}");
        Page.Crash += (_, _) => Log("PAGE CRASHED");
    }

    public async Task DisposeAsync()
    {
        if (Context is not null) await Context.CloseAsync();
    }

    private void Log(string line) => _console.Enqueue($"[{_clock.ElapsedMilliseconds,6} ms] {line}");

    /// <summary>Runs a test body; on failure saves the artifacts, names their folder, and rethrows.</summary>
    protected async Task RunAsync(Func<Task> body, [CallerMemberName] string test = "")
    {
        var name = $"{GetType().Name}.{test}";
        var dir = Path.Combine(AppContext.BaseDirectory, "e2e-artifacts", name);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        try
        {
            await body();
        }
        catch (Exception ex)
        {
            var saved = await SaveArtifactsAsync(dir, ex);
            Output.WriteLine($"FAILED {name}: artifacts in {dir} ({saved})");
            throw new E2EFailureException($"{ex.Message}\n--- artifacts ({saved}): {dir}", ex);
        }
    }

    private async Task<string> SaveArtifactsAsync(string dir, Exception ex)
    {
        Directory.CreateDirectory(dir);
        var saved = new List<string>();
        try
        {
            await Page.ScreenshotAsync(new PageScreenshotOptions
            {
                Path = Path.Combine(dir, "page.png"),
                FullPage = true,
                Timeout = 10_000,
            });
            saved.Add("page.png");
        }
        catch (Exception shotError)
        {
            Log($"(screenshot failed: {shotError.Message})");
        }
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "page.html"), await Page.ContentAsync());
            saved.Add("page.html");
        }
        catch (Exception) { /* the page may be gone */ }
        await File.WriteAllLinesAsync(Path.Combine(dir, "console.log"),
            [$"url: {Page.Url}", .. _console, "", "exception:", ex.ToString()]);
        saved.Add("console.log");
        await File.WriteAllLinesAsync(Path.Combine(dir, "fake-log.txt"), FakeLlm.Requests.Select(r => r.ToString()));
        saved.Add("fake-log.txt");
        return string.Join(", ", saved);
    }

    // ——— helpers shared by the tests ———

    /// <summary>
    /// The app's chat input. The page's own (index.html) shows first and takes typing before the app runs, but a
    /// test acts once the app has taken over (it sets &lt;html data-app&gt;): Enter sends only then.
    /// </summary>
    protected ILocator Input => Page.Locator("html[data-app]").GetByTestId("chat-input");
    protected ILocator Assistant => Page.GetByTestId("message-assistant");
    protected ILocator LastAssistant => Assistant.Last;
    protected ILocator LastContent => LastAssistant.GetByTestId("message-content");

    protected async Task OpenAsync(string path = "/")
    {
        await Page.GotoAsync(path);
        await Assertions.Expect(Input).ToBeVisibleAsync();
    }

    /// <summary>Types the message (newlines included) and sends it with Enter.</summary>
    protected async Task SendAsync(string message)
    {
        await Input.FillAsync(message);
        await Input.PressAsync("Enter");
    }

    /// <summary>Clicks « Arrêter » (a separate click always stops, however soon after Send it comes).</summary>
    protected Task ClickStopAsync(IPage? page = null) => (page ?? Page).GetByTestId("stop-button").ClickAsync();

    /// <summary>
    /// The text of the last answer as shown now ("" before the first token), without the leading and trailing
    /// white space nobody can see: an answer shows as plain text until the Markdown pipeline has loaded, and
    /// Markdown drops the space the first token starts with.
    /// </summary>
    protected Task<string> LastAnswerTextAsync() => Page.EvaluateAsync<string>(
        """
        () => {
          const all = document.querySelectorAll('[data-testid=message-assistant]');
          const last = all[all.length - 1];
          return (last?.querySelector('[data-testid=message-content]')?.textContent ?? '').trim();
        }
        """);

    protected Task<string?> LastAnswerStatusAsync() => Page.EvaluateAsync<string?>(
        """
        () => {
          const all = document.querySelectorAll('[data-testid=message-assistant]');
          return all.length ? all[all.length - 1].getAttribute('data-status') : null;
        }
        """);

    /// <summary>Waits for the fake to log the first token of the latest request.</summary>
    protected Task<FakeRequest> WaitForFirstTokenAsync() =>
        FakeLlm.WaitForRequestAsync(r => r.FirstTokenAt is not null, TimeSpan.FromSeconds(10));
}

public sealed class E2EFailureException(string message, Exception inner) : Exception(message, inner);
