using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using Therese.Server.Llm.Local;
using Therese.TinyGguf;
using Xunit.Abstractions;

namespace Therese.Tests.Local;

[Collection(LocalModelCollection.Name)]
public sealed class LocalChatClientTests(TinyModels models, ITestOutputHelper output)
{
    [Fact]
    public async Task Streams_one_update_per_token_until_max_tokens_with_real_usage()
    {
        using var host = models.Host();
        var client = new LocalChatClient(host, TinyModels.Good);

        var updates = await TinyModels.CollectAsync(client, new ChatOptions { MaxOutputTokens = 200, Seed = 1 });

        var deltas = updates.Where(u => u.Text.Length > 0).ToList();
        var response = updates.ToChatResponse();
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.True(deltas.Count >= 150, $"{deltas.Count} text updates for 200 tokens");
        Assert.Equal(string.Concat(deltas.Select(u => u.Text)), response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(200, usage.OutputTokenCount);
        Assert.Equal(200, TinyModels.TokensOf(updates).Length);
        Assert.InRange(usage.InputTokenCount ?? 0, 40, 200);
        Assert.All(deltas, u => Assert.Equal(ChatRole.Assistant, u.Role));
        output.WriteLine(response.Text);
    }

    [Fact]
    public async Task A_character_split_across_tokens_arrives_whole()
    {
        using var host = models.Host();
        var client = new LocalChatClient(host, TinyModels.Good);

        var updates = await TinyModels.CollectAsync(client, new ChatOptions { MaxOutputTokens = 400, Seed = 3 });

        // Each token of the tiny vocabulary is one byte, so every accent spans two or three tokens.
        var bytes = TinyModels.TokensOf(updates).Select(t => (byte)t).ToArray();
        var text = string.Concat(updates.Select(u => u.Text));
        Assert.Equal(Utf8(bytes), text);
        Assert.DoesNotContain('\uFFFD', text);
        Assert.Contains(text, c => c > '\u007f');
        Assert.Contains(updates, u => u.Text.Length > 0 && (u.RawRepresentation as LLama.Native.LLamaToken[])?.Length >= 2);
        output.WriteLine(text);
    }

    [Fact]
    public async Task An_answer_does_not_depend_on_another_conversation_answered_before()
    {
        using var host = models.Host();
        var client = new LocalChatClient(host, TinyModels.Good);
        var options = new ChatOptions { MaxOutputTokens = 60, Seed = 11 };

        var first = await client.GetResponseAsync(TinyModels.Conversation("Quel budget pour la fête du village ?"), options);
        await client.GetResponseAsync(TinyModels.Conversation("Rédige un courrier à la préfecture."), new ChatOptions { MaxOutputTokens = 60, Seed = 12 });
        var again = await client.GetResponseAsync(TinyModels.Conversation("Quel budget pour la fête du village ?"), options);

        var other = await client.GetResponseAsync(TinyModels.Conversation("Quel budget pour la fête de l’école ?"), options);
        output.WriteLine(first.Text + "\n---\n" + other.Text);
        Assert.NotEqual(first.Text, other.Text);
        Assert.Equal(first.Text, again.Text);
        Assert.Equal(60, again.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task The_prompt_is_the_models_chatml_template_with_the_system_prompt_first()
    {
        using var host = models.Host();
        using var lease = await LoadAsync(host, TinyModels.Good);
        List<ChatMessage> messages =
        [
            new(ChatRole.User, "Bonjour « THÉRÈSE »"),
            new(ChatRole.System, "Tu es THÉRÈSE."),
            new(ChatRole.Assistant, "Bonjour, que puis-je faire ?"),
            new(ChatRole.User, "Un résumé."),
        ];

        var prompt = LocalChatClient.FormatPrompt(lease.Model.Weights, messages, new ChatOptions { Instructions = "Réponds en français." }, TinyModels.Good);

        Assert.Equal(
            "<|im_start|>system\nRéponds en français.\n\nTu es THÉRÈSE.<|im_end|>\n" +
            "<|im_start|>user\nBonjour « THÉRÈSE »<|im_end|>\n" +
            "<|im_start|>assistant\nBonjour, que puis-je faire ?<|im_end|>\n" +
            "<|im_start|>user\nUn résumé.<|im_end|>\n" +
            "<|im_start|>assistant\n", prompt);
        using var generation = new LocalGeneration(lease.Model, null, CancellationToken.None);
        var tokens = generation.Tokenize(prompt);
        Assert.Equal(TinyModel.ImStart, (int)tokens[0]);
        Assert.Equal(5, tokens.Count(t => (int)t == TinyModel.ImStart));
    }

    [Fact]
    public async Task Continuing_an_answer_puts_its_text_after_the_assistant_header()
    {
        using var host = models.Host();
        using var lease = await LoadAsync(host, TinyModels.Good);
        List<ChatMessage> messages = [new(ChatRole.User, "Écris une lettre."), new(ChatRole.Assistant, "Madame, Monsieur,")];

        var prompt = LocalChatClient.FormatPrompt(lease.Model.Weights, messages, null, TinyModels.Good);

        Assert.EndsWith("<|im_start|>user\nÉcris une lettre.<|im_end|>\n<|im_start|>assistant\nMadame, Monsieur,", prompt);
    }

    [Fact]
    public async Task Stop_ends_the_answer_with_no_update_after_it_and_its_generation_loop_exits()
    {
        // The default: every physical core, as in production, so that llama.cpp's worker threads take part.
        using var host = models.Host(threads: null);
        var client = new LocalChatClient(host, TinyModels.Good);
        using var stop = new CancellationTokenSource();
        var received = 0;
        var afterStop = 0;
        var generatingAtStop = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(TinyModels.Conversation(), new ChatOptions { MaxOutputTokens = 100_000 }, stop.Token))
            {
                if (update.Text.Length == 0) continue;
                if (stop.IsCancellationRequested) afterStop++;
                else if (++received == 50)
                {
                    generatingAtStop = host.RunningGenerations;
                    await stop.CancelAsync();
                }
            }
        });

        // How long the stop takes and what CPU the process uses after it are measured in the benchmark (section 11).
        Assert.Equal(1, generatingAtStop);
        Assert.Equal(0, afterStop);
        Assert.Equal(0, host.RunningGenerations);
        // The model is free at once: the next answer runs to its end.
        var next = await client.GetResponseAsync(TinyModels.Conversation(), new ChatOptions { MaxOutputTokens = 5 });
        Assert.Equal(ChatFinishReason.Length, next.FinishReason);
        Assert.Equal(0, host.RunningGenerations);
    }

    [Fact]
    public async Task The_first_answer_announces_the_model_loading_and_later_ones_do_not()
    {
        using var host = models.Host();
        var client = new LocalChatClient(host, TinyModels.Good);

        var first = await TinyModels.CollectAsync(client, new ChatOptions { MaxOutputTokens = 5 });
        var second = await TinyModels.CollectAsync(client, new ChatOptions { MaxOutputTokens = 5 });
        var whole = await client.GetResponseAsync(TinyModels.Conversation(), new ChatOptions { MaxOutputTokens = 5 });

        var loading = Assert.IsType<ModelLoadingContent>(Assert.Single(first[0].Contents));
        Assert.Equal(TinyModels.Good, loading.Model);
        Assert.Equal("", first[0].Text);
        Assert.Single(first.SelectMany(u => u.Contents).OfType<ModelLoadingContent>());
        Assert.Empty(second.SelectMany(u => u.Contents).OfType<ModelLoadingContent>());
        Assert.Empty(whole.Messages.SelectMany(m => m.Contents).OfType<ModelLoadingContent>());
        Assert.Equal(1, host.LoadCount);
    }

    [Fact]
    public async Task Stop_while_the_model_loads_leaves_nothing_loaded_and_the_next_answer_loads_it()
    {
        using var host = models.Host();
        var client = new LocalChatClient(host, TinyModels.Good);
        using var stop = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(TinyModels.Conversation(), null, stop.Token))
                if (update.Contents.OfType<ModelLoadingContent>().Any()) await stop.CancelAsync();
        });

        Assert.Equal(0, host.LoadCount);
        Assert.Null(host.LoadedModelPath);
        var answer = await client.GetResponseAsync(TinyModels.Conversation(), new ChatOptions { MaxOutputTokens = 5 });
        Assert.Equal(ChatFinishReason.Length, answer.FinishReason);
        Assert.Equal(1, host.LoadCount);
    }

    [Fact]
    public async Task Two_requests_at_once_both_complete_one_after_the_other()
    {
        using var host = models.Host();
        var client = new LocalChatClient(host, TinyModels.Good);
        var options = new ChatOptions { MaxOutputTokens = 150 };

        async Task<(TimeSpan First, TimeSpan Last, List<ChatResponseUpdate> Updates)> Answer(Stopwatch clock)
        {
            TimeSpan? first = null;
            var last = TimeSpan.Zero;
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in client.GetStreamingResponseAsync(TinyModels.Conversation(), options))
            {
                updates.Add(update);
                if (update.Text.Length == 0) continue;
                first ??= clock.Elapsed;
                last = clock.Elapsed;
            }
            return (first!.Value, last, updates);
        }

        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Task.Run(() => Answer(clock)), Task.Run(() => Answer(clock)));

        Assert.All(answers, a => Assert.Equal(ChatFinishReason.Length, a.Updates.ToChatResponse().FinishReason));
        Assert.All(answers, a => Assert.Equal(150, TinyModels.TokensOf(a.Updates).Length));
        var (early, late) = answers[0].First < answers[1].First ? (answers[0], answers[1]) : (answers[1], answers[0]);
        Assert.True(late.First > early.Last, $"second answer started at {late.First.TotalMilliseconds:0} ms, before the first ended at {early.Last.TotalMilliseconds:0} ms");
        Assert.Equal(1, host.LoadCount);
    }

    [Fact]
    public async Task A_conversation_longer_than_the_context_is_a_clear_error()
    {
        using var host = models.Host(contextSize: 64);
        var client = new LocalChatClient(host, TinyModels.Good);

        var error = await Assert.ThrowsAsync<LocalModelException>(() =>
            TinyModels.CollectAsync(client, messages: TinyModels.Conversation(new string('a', 200))));

        Assert.Equal("context_too_long", error.Code);
        Assert.Contains("trop longue", error.Message);
        Assert.Contains("64", error.Message);
        var provider = Therese.Server.Llm.ProviderError.From(error);
        Assert.Equal(("context_too_long", error.Message, 400), (provider.Code, provider.Message, provider.HttpStatus));
    }

    [Fact]
    public async Task A_long_prompt_sends_an_update_after_each_batch_so_an_idle_timeout_does_not_cut_it()
    {
        using var host = models.Host(batchSize: 32);
        var client = new LocalChatClient(host, TinyModels.Good);

        var updates = await TinyModels.CollectAsync(client, new ChatOptions { MaxOutputTokens = 20 });

        var prompt = (int)updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details.InputTokenCount!;
        var beforeText = updates.TakeWhile(u => u.Text.Length == 0).Count(u => u.Contents.Count == 0);
        Assert.Equal((prompt + 31) / 32 - 1, beforeText);
        Assert.True(beforeText >= 2);
        Assert.Equal(20, TinyModels.TokensOf(updates).Length);
    }

    [Fact]
    public async Task An_answer_stops_when_the_context_is_full()
    {
        using var host = models.Host(contextSize: 256);
        var client = new LocalChatClient(host, TinyModels.Good);

        var updates = await TinyModels.CollectAsync(client, new ChatOptions { MaxOutputTokens = 1000 });

        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details;
        Assert.Equal(ChatFinishReason.Length, updates.ToChatResponse().FinishReason);
        Assert.Equal(256, usage.InputTokenCount + usage.OutputTokenCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(null)]
    public async Task Generates_a_long_answer_on_one_thread_and_on_every_core(int? threads)
    {
        using var host = models.Host(threads);
        var client = new LocalChatClient(host, TinyModels.Good);

        var updates = await TinyModels.CollectAsync(client, new ChatOptions { MaxOutputTokens = 1000 });

        // Its speed (tokens per second) is measured in the benchmark (section 11), not here.
        Assert.Equal(threads ?? CpuCores.PhysicalCores, host.Current!.ContextParams.Threads);
        Assert.Equal(1000, TinyModels.TokensOf(updates).Length);
        Assert.Equal(ChatFinishReason.Length, updates.ToChatResponse().FinishReason);
        Assert.Equal(0, host.RunningGenerations);
    }

    private static async Task<ModelLease> LoadAsync(LocalModelHost host, string model)
    {
        using var turn = await host.TakeTurnAsync(CancellationToken.None);
        return await host.LoadAsync(model, CancellationToken.None);
    }

    private static string Utf8(byte[] bytes)
    {
        // Bytes of a character the answer was cut in the middle of are held back, as the stream holds them back.
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[bytes.Length];
        var count = decoder.GetChars(bytes, chars, flush: false);
        return new string(chars, 0, count);
    }
}
