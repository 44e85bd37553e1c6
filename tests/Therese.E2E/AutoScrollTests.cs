using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>The list follows the stream; scrolling up stops that; « Aller en bas » brings it back.</summary>
public sealed class AutoScrollTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    protected override ViewportSize Viewport => new() { Width = 800, Height = 600 };

    private const string ReadScroll =
        """
        () => {
          const el = document.querySelector('[data-testid=message-list]');
          const all = document.querySelectorAll('[data-testid=message-assistant]');
          return {
            top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight,
            status: all.length ? all[all.length - 1].getAttribute('data-status') : null,
          };
        }
        """;

    [Fact]
    public Task List_follows_the_stream_until_the_user_scrolls_up_and_jump_button_brings_it_back() => RunAsync(async () =>
    {
        // A long answer (about 13 s): each step below samples until it has seen what it checks, however slowly a busy
        // machine lets the samples come, and the answer is still streaming when the last step starts.
        await OpenAsync();
        await SendAsync(Fake.Message(new { tokens = 2000, tps = 150, ttft_ms = 100 }));
        var list = Page.GetByTestId("message-list");
        await Expect(LastContent).ToBeVisibleAsync();

        // 1. Following: at the bottom at every sample while the content grows past the viewport, five times.
        var grown = 0;
        var previousHeight = 0.0;
        while (grown < 5)
        {
            var s = await ScrollAsync();
            Assert.Equal("streaming", s.Status);
            if (s.Height > s.Client)
                Assert.True(s.Distance <= 1, $"not at the bottom while following: {s}");
            if (s.Height > previousHeight && s.Height > s.Client) grown++;
            previousHeight = s.Height;
            await Task.Delay(30);
        }
        await Expect(Page.GetByTestId("scroll-to-bottom")).ToHaveCountAsync(0);

        // 2. The user scrolls up with the mouse wheel: the view stays where the user put it.
        var box = (await list.BoundingBoxAsync())!;
        await Page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await Page.Mouse.WheelAsync(0, -400);
        await Expect(Page.GetByTestId("scroll-to-bottom")).ToBeVisibleAsync();
        var away = await ScrollAsync();
        Assert.True(away.Distance > 48, $"the wheel should have moved the view up: {away}");
        // The view stays put while the answer keeps growing below it (sampled until it has grown, and a few more times).
        var afterGrowth = 0;
        while (afterGrowth < 5)
        {
            var s = await ScrollAsync();
            Assert.Equal("streaming", s.Status);
            Assert.Equal(away.Top, s.Top, 0.5);
            if (s.Height > away.Height) afterGrowth++;
            await Task.Delay(30);
        }

        // 3. « Aller en bas »: back at the bottom, and following again.
        await Page.GetByTestId("scroll-to-bottom").ClickAsync();
        await Page.WaitForFunctionAsync(
            "() => { const el = document.querySelector('[data-testid=message-list]'); return el.scrollHeight - el.scrollTop - el.clientHeight <= 1; }");
        await Expect(Page.GetByTestId("scroll-to-bottom")).ToHaveCountAsync(0);
        var followedAgain = 0;
        var grownAgain = 0;
        previousHeight = (await ScrollAsync()).Height;
        while (grownAgain < 5)
        {
            var s = await ScrollAsync();
            Assert.True(s.Status == "streaming", $"the answer ended before following could be checked again ({followedAgain} samples)");
            Assert.True(s.Distance <= 1, $"not following again after the jump: {s}");
            if (s.Height > previousHeight) grownAgain++;
            previousHeight = s.Height;
            followedAgain++;
            await Task.Delay(30);
        }

        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 60_000 });
        var end = await ScrollAsync();
        Assert.True(end.Distance <= 1, $"not at the bottom at the end: {end}");
        Output.WriteLine($"followed {grown} growth steps; away at {away}; end {end}");
    });

    private Task<ScrollState> ScrollAsync() => Page.EvaluateAsync<ScrollState>(ReadScroll);

    private sealed class ScrollState
    {
        public double Top { get; set; }
        public double Height { get; set; }
        public double Client { get; set; }
        public string? Status { get; set; }
        public double Distance => Height - Top - Client;
        public override string ToString() => $"top {Top:F0}, height {Height:F0}, client {Client:F0}, distance {Distance:F0}, {Status}";
    }
}
