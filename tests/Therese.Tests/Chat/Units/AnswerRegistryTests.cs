using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Therese.Server.Chat;
using Therese.Server.Llm;
using Therese.Server.Web;
using System.Diagnostics.Metrics;

namespace Therese.Tests.Chat.Units;

/// <summary>The registry's places for answers, on their own: no store, no HTTP.</summary>
public sealed class AnswerRegistryTests
{
    /// <summary>The live state of one instance, except that counting a client's answers fails while <see cref="Down"/> is set (Redis gone).</summary>
    private sealed class StateWithOutage(IStreamState inner) : IStreamState
    {
        public bool Down { get; set; }
        public IAnswerLog CreateLog(string messageId) => inner.CreateLog(messageId);
        public ValueTask<IAnswerLog?> FindLogAsync(string messageId) => inner.FindLogAsync(messageId);
        public void FreeLog(string messageId, TimeSpan after) => inner.FreeLog(messageId, after);
        public ValueTask<bool> TryLockConversationAsync(string conversationId, string owner) => inner.TryLockConversationAsync(conversationId, owner);
        public void UnlockConversation(string conversationId, string owner) => inner.UnlockConversation(conversationId, owner);
        public ValueTask<bool> TryTakeClientSlotAsync(string client, int limit) =>
            Down ? ValueTask.FromException<bool>(new InvalidOperationException("the shared state is unreachable")) : inner.TryTakeClientSlotAsync(client, limit);
        public void ReleaseClientSlot(string client) => inner.ReleaseClientSlot(client);
        public IDisposable Run(LiveAnswer answer) => inner.Run(answer);
        public ValueTask<bool> RequestStopAsync(string messageId) => inner.RequestStopAsync(messageId);
        public ValueTask<string?> ClientOfAsync(string messageId) => inner.ClientOfAsync(messageId);
        public ValueTask<bool> RequestToolDecisionAsync(string messageId, string callId, bool approve) => inner.RequestToolDecisionAsync(messageId, callId, approve);
        public IDisposable FollowElsewhere(string messageId) => inner.FollowElsewhere(messageId);
        public Task<bool> IsFollowedElsewhereAsync(string messageId) => inner.IsFollowedElsewhereAsync(messageId);
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }

    [Fact]
    public async Task Sends_refused_while_the_shared_state_is_down_hold_no_place_once_it_is_back()
    {
        var clock = new FakeTimeProvider();
        var state = new StateWithOutage(new InMemoryStreamState(clock));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var registry = new AnswerRegistry(state, store: null!, clock, Options.Create(new ChatStreamOptions()), Options.Create(new LlmOptions()),
            Options.Create(new LimitsOptions { MaxConcurrentAnswers = 2, MaxConcurrentAnswersPerClient = 2 }),
            NullLogger<AnswerRun>.Instance, services.GetRequiredService<IMeterFactory>(), new Lifetime());

        // A person retries during an outage: each send fails (503 for them)…
        state.Down = true;
        for (var i = 0; i < 5; i++)
            await Assert.ThrowsAsync<InvalidOperationException>(() => registry.TryTakeSlotAsync("127.0.0.1").AsTask());

        // …and once it is back, the server's places are all free again: none was kept by a send that failed.
        state.Down = false;
        using var first = await registry.TryTakeSlotAsync("127.0.0.1");
        using var second = await registry.TryTakeSlotAsync("127.0.0.2");
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(await registry.TryTakeSlotAsync("127.0.0.3"));
    }
}
