using Therese.E2E.Infrastructure;
using Xunit.Abstractions;

namespace Therese.E2E;

/// <summary>
/// The story E2-03's own client (../shared/seed), run as written in the browser against the real endpoint: it posts
/// <c>{content}</c> and appends <c>JSON.parse(data).content</c> for every data line but <c>[DONE]</c>.
/// </summary>
public sealed class StoryClientTests(E2EFixture fixture, ITestOutputHelper output)
    : E2ETest<E2EFixture>(fixture, output), IClassFixture<E2EFixture>
{
    /// <summary>The sketch's <c>streamMessage</c>, verbatim but for its types, with <c>API_BASE = '/api'</c>.</summary>
    private const string StoryClient = """
        (content) => new Promise((resolve) => {
          const API_BASE = '/api';
          let shown = '';
          function streamMessage(content, onChunk, onDone, onError) {
            const controller = new AbortController();

            fetch(`${API_BASE}/chat/stream`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ content }),
              signal: controller.signal,
            })
              .then(async (response) => {
                const reader = response.body?.getReader();
                const decoder = new TextDecoder();

                while (reader) {
                  const { done, value } = await reader.read();
                  if (done) break;

                  const text = decoder.decode(value);
                  const lines = text.split('\n');

                  for (const line of lines) {
                    if (line.startsWith('data: ')) {
                      const data = line.slice(6);
                      if (data === '[DONE]') {
                        onDone();
                      } else {
                        const { content } = JSON.parse(data);
                        onChunk(content);
                      }
                    }
                  }
                }
              })
              .catch(onError);

            return () => controller.abort();
          }
          streamMessage(content, (chunk) => { shown += chunk; }, () => resolve({ shown }), (error) => resolve({ shown, error: String(error) }));
        })
        """;

    [Fact]
    public Task The_story_client_shows_the_answer_and_nothing_else() => RunAsync(async () =>
    {
        await OpenAsync();
        const string answer = "Bonjour ! Voici une réponse « en français », avec des accents : été, à, où.";
        // start and done add no text: the story's client must show nothing for them (it showed "undefined" for done).
        var result = await Page.EvaluateAsync<StoryResult>(StoryClient,
            Fake.Message(new { text = answer, tps = 50, ttft_ms = 400 }));
        Assert.Null(result.Error);
        Assert.Equal(answer, result.Shown);
    });

    private sealed class StoryResult
    {
        public string Shown { get; set; } = "";
        public string? Error { get; set; }
    }
}
