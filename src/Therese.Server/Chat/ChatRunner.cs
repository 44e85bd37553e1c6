using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Therese.Server.Conversations;
using Therese.Server.Llm;

namespace Therese.Server.Chat;

public sealed class ChatStreamOptions
{
    public const string Section = "Therese:Chat";

    /// <summary>A ping is sent after this long without another event, so proxies and browsers keep the stream open.</summary>
    public double PingIntervalSeconds { get; set; } = 15;

    /// <summary>How often the partial text of a streaming answer is saved.</summary>
    public double CheckpointIntervalSeconds { get; set; } = 1;
}

/// <summary>
/// Runs one answer: relays each provider chunk the moment it arrives, saves as it goes, and cancels
/// the provider request as soon as the client leaves.
/// </summary>
public sealed class ChatRunner(
    IOptions<LlmOptions> llmOptions,
    ChatTurns turns,
    IOptions<ChatStreamOptions> streamOptions,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    IHostApplicationLifetime lifetime,
    ILogger<ChatRunner> logger)
{
    private readonly JsonSerializerOptions _json = json.Value.SerializerOptions;
    private readonly TimeSpan _pingInterval = TimeSpan.FromSeconds(streamOptions.Value.PingIntervalSeconds);
    private readonly TimeSpan _checkpointInterval = TimeSpan.FromSeconds(streamOptions.Value.CheckpointIntervalSeconds);
    private readonly TimeSpan _idleTimeout = TimeSpan.FromSeconds(llmOptions.Value.IdleTimeoutSeconds);

    /// <summary>The SSE stream of one answer. Ends with <c>data: [DONE]</c> after done or error.</summary>
    public async IAsyncEnumerable<SseItem<string>> StreamAsync(ChatTurn turn, [EnumeratorCancellation] CancellationToken clientGone)
    {
        long id = 0;
        yield return Item(ChatEvent.Start(turn), ++id);

        var events = Channel.CreateUnbounded<ChatEvent>(new() { SingleReader = true, AllowSynchronousContinuations = false });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(clientGone);
        var lastEvent = Stopwatch.GetTimestamp();
        var answer = AnswerAsync(turn, events.Writer, stop.Token, clientGone);
        var heartbeat = HeartbeatAsync(events.Writer, () => lastEvent, stop.Token);
        try
        {
            await foreach (var ev in events.Reader.ReadAllAsync(clientGone))
            {
                lastEvent = Stopwatch.GetTimestamp();
                yield return Item(ev, ++id);
            }
        }
        finally
        {
            // The client is gone, or the answer is over: either way nothing more is read from the provider.
            await stop.CancelAsync();
            await answer;
            await heartbeat;
        }
        yield return new SseItem<string>("[DONE]");
    }

    /// <summary>The whole answer at once, for POST /api/chat/message.</summary>
    public async Task<(string Text, ProviderError? Error)> CompleteAsync(ChatTurn turn, CancellationToken clientGone)
    {
        var events = Channel.CreateUnbounded<ChatEvent>(new() { SingleReader = true });
        var answer = AnswerAsync(turn, events.Writer, clientGone, clientGone);
        var text = new StringBuilder(turn.ExistingText);
        ProviderError? error = null;
        await foreach (var ev in events.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (ev.Type == "delta") text.Append(ev.Content);
            else if (ev.Failure is { } failure) error = failure;
        }
        await answer;
        return (text.ToString(), error);
    }

    private SseItem<string> Item(ChatEvent ev, long id) =>
        new(JsonSerializer.Serialize(ev, _json)) { EventId = id.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>Reads the provider and writes events; never throws. Saves the final state whatever happens.</summary>
    private async Task AnswerAsync(ChatTurn turn, ChannelWriter<ChatEvent> events, CancellationToken stop, CancellationToken clientGone)
    {
        var text = new StringBuilder(turn.ExistingText);
        string status = MessageStatus.Error;
        string? stopReason = null;
        Usage? usage = null;
        ProviderError? error = null;
        Task saved = Task.CompletedTask;

        // THÉRÈSE shutting down ends the answer too, as "interrupted", instead of holding the shutdown for minutes.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop, lifetime.ApplicationStopping);
        try
        {
            idle.CancelAfter(_idleTimeout);
            var options = new ChatOptions { MaxOutputTokens = turn.Model.Settings.MaxTokens };
            await using var updates = turn.Model.Client!.GetStreamingResponseAsync(turn.History, options, idle.Token).GetAsyncEnumerator(idle.Token);

            // Send the request first, then save while the model thinks: saving never delays the first token.
            var next = updates.MoveNextAsync();
            saved = turns.BeginAsync(turn);
            var lastCheckpoint = Stopwatch.GetTimestamp();
            ChatFinishReason? finish = null;
            while (await next)
            {
                idle.CancelAfter(_idleTimeout);
                var update = updates.Current;
                finish = update.FinishReason ?? finish;
                foreach (var content in update.Contents)
                    if (content is UsageContent u)
                        usage = new Usage((int)(u.Details.InputTokenCount ?? usage?.InputTokens ?? 0), (int)(u.Details.OutputTokenCount ?? usage?.OutputTokens ?? 0));

                var delta = update.Text;
                if (delta.Length > 0)
                {
                    text.Append(delta);
                    events.TryWrite(ChatEvent.Delta(delta));
                    if (Stopwatch.GetElapsedTime(lastCheckpoint) >= _checkpointInterval)
                    {
                        lastCheckpoint = Stopwatch.GetTimestamp();
                        _ = turns.CheckpointAsync(turn.AssistantId, text.ToString());
                    }
                }
                next = updates.MoveNextAsync();
            }

            // The OpenAI SDK ends the stream quietly on a mid-stream error event: no finish reason means a broken answer.
            if (finish is null) throw new IOException("The provider ended the stream without a finish reason.");

            await saved;
            status = MessageStatus.Complete;
            stopReason = StopReason(finish);
            usage ??= new Usage(0, 0);
            events.TryWrite(ChatEvent.Done(stopReason, usage));
        }
        catch (Exception) when (lifetime.ApplicationStopping.IsCancellationRequested && !clientGone.IsCancellationRequested)
        {
            error = ProviderError.ShuttingDown;
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Whatever the SDK wraps the cancellation in, the client left: keep what it saw.
            status = MessageStatus.Stopped;
            stopReason = "user_stopped";
        }
        catch (Exception) when (idle.IsCancellationRequested)
        {
            error = ProviderError.Timeout;
        }
        catch (Exception ex) when (saved.IsFaulted)
        {
            logger.LogError(ex, "The answer could not be saved");
            error = ProviderError.Storage;
        }
        catch (Exception ex)
        {
            error = ProviderError.From(ex);
            // The SDK exception messages carry no keys; the configured key never reaches the log.
            logger.LogWarning("Provider {Provider} failed ({Code}): {Type}: {Message}", turn.Model.Name, error.Code, ex.GetType().Name, ex.Message);
        }
        finally
        {
            if (error is not null)
            {
                status = error == ProviderError.ShuttingDown ? MessageStatus.Interrupted : MessageStatus.Error;
                stopReason = error.Code;
                events.TryWrite(ChatEvent.Failed(error));
            }
            events.TryComplete();
            try
            {
                await saved;
                await turns.FinishAsync(turn.ConversationId, turn.AssistantId, status, text.ToString(), stopReason, usage);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Saving the end of answer {MessageId} failed", turn.AssistantId);
            }
        }
    }

    private async Task HeartbeatAsync(ChannelWriter<ChatEvent> events, Func<long> lastEvent, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var wait = _pingInterval - Stopwatch.GetElapsedTime(lastEvent());
                if (wait <= TimeSpan.Zero)
                {
                    if (!events.TryWrite(ChatEvent.Ping)) return;
                    wait = _pingInterval;
                }
                await Task.Delay(wait, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string StopReason(ChatFinishReason? finish)
    {
        if (finish is null || finish == ChatFinishReason.Stop) return "end_turn";
        if (finish == ChatFinishReason.Length) return "max_tokens";
        if (finish == ChatFinishReason.ToolCalls) return "tool_use";
        if (finish == ChatFinishReason.ContentFilter) return "content_filter";
        return finish.Value.Value;
    }
}
