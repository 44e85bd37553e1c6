using Microsoft.Extensions.AI;
using Therese.Server.Llm.Local;

namespace Therese.Tests.Local;

/// <summary>What THÉRÈSE reads of a GGUF model's chat template about thinking, and the reasoning it then streams.</summary>
[Collection(LocalModelCollection.Name)]
public sealed class LocalThinkingTests(TinyModels models)
{
    private static readonly List<ChatMessage> Question = [new(ChatRole.User, "Un résumé, s’il te plaît.")];

    private async Task<string> PromptAsync(string model, ReasoningEffort? effort)
    {
        using var host = models.Host();
        using var turn = await host.TakeTurnAsync(CancellationToken.None);
        using var lease = await host.LoadAsync(model, CancellationToken.None);
        var options = effort is null ? null : new ChatOptions { Reasoning = new ReasoningOptions { Effort = effort } };
        return LocalChatClient.FormatPrompt(lease.Model.Weights, Question, options, model);
    }

    [Fact]
    public async Task Qwen3s_thinking_switch_follows_the_reasoning_setting()
    {
        // Off: the empty think block Qwen3's template writes for enable_thinking=false, so the model answers at once.
        Assert.EndsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n", await PromptAsync(TinyModels.ThinkingSwitch, ReasoningEffort.None));
        Assert.EndsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n", await PromptAsync(TinyModels.ThinkingSwitch, null));
        // On: the model opens its own block.
        Assert.EndsWith("<|im_start|>assistant\n", await PromptAsync(TinyModels.ThinkingSwitch, ReasoningEffort.Medium));
        // A template without a switch is left as it is.
        Assert.EndsWith("<|im_start|>assistant\n", await PromptAsync(TinyModels.Good, ReasoningEffort.None));
    }

    [Fact]
    public async Task When_the_template_opens_the_block_everything_the_model_writes_until_it_closes_it_is_reasoning()
    {
        Assert.EndsWith("<|im_start|>assistant\n<think>\n", await PromptAsync(TinyModels.OpensThinking, null));

        using var host = models.Host();
        var client = new LocalChatClient(host, TinyModels.OpensThinking);
        var updates = await TinyModels.CollectAsync(client, new ChatOptions { MaxOutputTokens = 60, Seed = 1 }, Question);
        var contents = updates.SelectMany(u => u.Contents).ToList();
        // The tiny model never writes </think>: an unclosed block, all reasoning, no answer text.
        Assert.NotEmpty(contents.OfType<TextReasoningContent>());
        Assert.DoesNotContain(contents, c => c is TextContent { Text.Length: > 0 });
    }
}
