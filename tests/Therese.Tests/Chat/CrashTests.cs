using System.Diagnostics;
using System.Text.Json;
using Therese.FakeLlm;
using Xunit.Abstractions;

namespace Therese.Tests.Chat;

/// <summary>The real server process killed with SIGKILL in the middle of an answer, and started again.</summary>
public sealed class CrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Tokens = 400;
    private FakeLlmServer _fake = null!;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "therese-tests", "crash-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync() => _fake = await FakeLlmServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private ServerProcess Start() => ServerProcess.Start(new Dictionary<string, string>
    {
        ["Therese:DataDir"] = _dataDir,
        ["Therese:Llm:Provider"] = "anthropic",
        ["Therese:Llm:ApiKey"] = "k",
        ["Therese:Llm:BaseUrl"] = _fake.BaseUrl,
        ["Therese:Llm:Model"] = "m",
        ["Therese:Llm:MaxRetries"] = "0",
        ["Therese:Ollama:Url"] = _fake.BaseUrl,
        ["Therese:Models:HubUrl"] = _fake.BaseUrl,
    });

    [Fact]
    public async Task Killed_three_times_mid_answer_it_restarts_with_each_answer_interrupted_and_less_than_a_second_of_seen_text_missing()
    {
        var server = Start();
        var saved = new Dictionary<string, string>();
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            // Three points, at different places between two checkpoints (every 0.5 s) and ever later in the answer.
            foreach (var killAfter in new[] { 17, 44, 93 })
            {
                using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = new Uri(server.BaseUrl) };
                var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(new { tokens = Tokens, tps = 20, ttft_ms = 0 }, $"Panne après {killAfter}") });
                while (stream.Deltas.Count() < killAfter) await stream.NextAsync();
                var conversationId = stream.ConversationId!;
                var killedAt = Stopwatch.GetTimestamp();
                server.KillHard();
                var deltas = stream.Deltas.ToList();
                var seen = stream.Text;
                await stream.DisposeAsync();

                server = Start();
                await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
                using var after = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
                var conversation = JsonDocument.Parse(await after.GetStringAsync($"/api/conversations/{conversationId}")).RootElement;
                var answer = conversation.GetProperty("messages").EnumerateArray().Last();
                Assert.Equal("interrupted", answer.GetProperty("status").GetString());
                var content = answer.GetProperty("content").GetString()!;
                Assert.StartsWith(content, FakeText.Text(Tokens));

                // Whatever the user saw and the database lacks arrived within the last second before the kill.
                var missingFrom = 0;
                var offset = 0;
                foreach (var delta in deltas)
                {
                    offset += delta.Content.Length;
                    if (offset <= content.Length) missingFrom++;
                }
                var missing = deltas.Skip(missingFrom).ToList();
                var oldest = missing.Count == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(missing[0].Ticks, killedAt);
                output.WriteLine($"killed after {killAfter} deltas: saved {content.Length} of {seen.Length} characters seen; "
                    + $"{missing.Count} deltas missing, the oldest received {oldest.TotalMilliseconds:0} ms before the kill");
                Assert.True(oldest <= TimeSpan.FromSeconds(1), $"text received {oldest.TotalMilliseconds:0} ms before the kill was lost");
                Assert.True(content.Length > 0, "nothing of the answer was saved");
                saved[conversationId] = content;

                // Every earlier answer is still there, unchanged: the database survived each kill.
                foreach (var (id, text) in saved)
                {
                    var earlier = JsonDocument.Parse(await after.GetStringAsync($"/api/conversations/{id}")).RootElement;
                    Assert.Equal(text, earlier.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString());
                }
            }
        }
        finally
        {
            output.WriteLine(server.Output);
            await server.DisposeAsync();
        }
    }
}
