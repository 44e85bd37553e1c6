using Microsoft.Playwright;
using Therese.Testing;

namespace Therese.E2E.Infrastructure;

/// <summary>
/// One per test class: the real THÉRÈSE server on Kestrel with the fake Anthropic provider, and one
/// headless Chromium. Each test opens its own browser context (see <see cref="E2ETest{TFixture}"/>).
/// </summary>
public class E2EFixture : IAsyncLifetime
{
    public ThereseHost Host { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>"anthropic": the fake provider pinned by configuration; null: a new user's THÉRÈSE, nothing configured.</summary>
    protected virtual string? Provider => "anthropic";

    /// <summary>Server settings on top of ThereseHost's (which sets MaxRetries=2).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        // First: a missing browser must fail the tests with a clear message, whatever else happens.
        var chromium = Chromium.Find();
        Host = await ThereseHost.StartAsync(Provider, Settings);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = Chromium.Args,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        Playwright?.Dispose();
        if (Host is not null) await Host.DisposeAsync();
    }
}

/// <summary>The server allows long answers (5,000 tokens and more; the default MaxTokens is 4096).</summary>
public sealed class LongAnswerFixture : E2EFixture
{
    protected override IDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Therese:Llm:MaxTokens"] = "16000" };
}

/// <summary>THÉRÈSE as a new user first starts it: no model configured (the page chooses one).</summary>
public sealed class UnconfiguredFixture : E2EFixture
{
    protected override string? Provider => null;
}
