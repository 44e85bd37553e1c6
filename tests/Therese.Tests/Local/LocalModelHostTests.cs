using Microsoft.Extensions.AI;
using Therese.Server.Llm;
using Therese.Server.Llm.Local;
using Xunit.Abstractions;

namespace Therese.Tests.Local;

[Collection(LocalModelCollection.Name)]
public sealed class LocalModelHostTests(TinyModels models, ITestOutputHelper output)
{
    private static readonly ChatOptions Short = new() { MaxOutputTokens = 10 };

    [Fact]
    public async Task Switching_model_frees_the_old_weights_and_later_answers_reuse_the_new_ones()
    {
        using var host = models.Host();
        await TinyModels.CollectAsync(new LocalChatClient(host, TinyModels.Good), Short);
        var first = host.Current!;

        await TinyModels.CollectAsync(new LocalChatClient(host, TinyModels.Other), Short);
        var second = host.Current!;
        await TinyModels.CollectAsync(new LocalChatClient(host, TinyModels.Other), Short);

        Assert.True(first.IsFreed);
        Assert.False(second.IsFreed);
        Assert.Same(second, host.Current);
        Assert.Equal(models.PathOf(TinyModels.Other), host.LoadedModelPath);
        Assert.Equal(2, host.LoadCount);
    }

    [Fact]
    public async Task A_model_file_replaced_under_the_same_name_is_loaded_again()
    {
        using var host = models.Host();
        var name = $"replaced-{Guid.NewGuid():N}.gguf";
        File.Copy(models.PathOf(TinyModels.Good), models.PathOf(name));
        var client = new LocalChatClient(host, name);
        await TinyModels.CollectAsync(client, Short);

        File.Copy(models.PathOf(TinyModels.Other), models.PathOf(name), overwrite: true);
        File.SetLastWriteTimeUtc(models.PathOf(name), DateTime.UtcNow.AddMinutes(1));
        var updates = await TinyModels.CollectAsync(client, Short);

        Assert.Contains(updates, u => u.Contents.OfType<ModelLoadingContent>().Any());
        Assert.Equal(2, host.LoadCount);
    }

    [Fact]
    public async Task Closing_the_host_during_an_answer_frees_the_model_only_when_the_answer_ends()
    {
        var host = models.Host();
        var client = new LocalChatClient(host, TinyModels.Good);
        var texts = 0;
        LoadedModel? model = null;
        var finish = (ChatFinishReason?)null;

        await foreach (var update in client.GetStreamingResponseAsync(TinyModels.Conversation(), new ChatOptions { MaxOutputTokens = 100 }))
        {
            if (update.Text.Length > 0 && ++texts == 5)
            {
                model = host.Current!;
                host.Dispose();
                Assert.False(model.IsFreed);
            }
            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.True(model!.IsFreed);
        Assert.Null(host.Current);
    }

    [Theory]
    [InlineData("absent.gguf", "model_missing", "introuvable")]
    [InlineData("../tiny.gguf", "model_missing", "n’est pas un nom de modèle valable")]
    [InlineData("sub/tiny.gguf", "model_missing", "n’est pas un nom de modèle valable")]
    [InlineData("", "model_missing", "Aucun modèle local")]
    [InlineData(TinyModels.RandomBytes, "model_invalid", "ce n’est pas un fichier GGUF")]
    [InlineData(TinyModels.HeaderCut, "model_invalid", "en-tête est incomplet")]
    [InlineData(TinyModels.Truncated, "model_invalid", "est incomplet")]
    [InlineData(TinyModels.DuplicateToken, "model_invalid", "deux fois le même jeton")]
    [InlineData(TinyModels.NoTensors, "model_invalid", "Détail (llama.cpp)\u00a0: missing tensor 'token_embd.weight'.")]
    [InlineData(TinyModels.UnknownArchitecture, "model_unsupported", "l’architecture «\u00a0mamba9\u00a0»")]
    public async Task A_model_that_cannot_run_is_a_french_error_and_the_next_good_model_still_answers(string model, string code, string words)
    {
        using var host = models.Host();

        var error = await Assert.ThrowsAsync<LocalModelException>(() => TinyModels.CollectAsync(new LocalChatClient(host, model), Short));
        var answer = await new LocalChatClient(host, TinyModels.Good).GetResponseAsync(TinyModels.Conversation(), Short);
        output.WriteLine(error.Message);

        Assert.Equal(code, error.Code);
        Assert.Contains(words, error.Message);
        var provider = ProviderError.From(error);
        Assert.Equal((code, error.Message, 503), (provider.Code, provider.Message, provider.HttpStatus));
        Assert.Equal(ChatFinishReason.Length, answer.FinishReason);
        Assert.Equal(1, host.LoadCount);
    }

    [Fact]
    public void A_model_is_named_by_its_file_name_with_or_without_gguf_or_by_an_absolute_path()
    {
        using var host = models.Host();
        var path = models.PathOf(TinyModels.Good);

        Assert.Equal(path, host.ResolvePath("tiny.gguf"));
        Assert.Equal(path, host.ResolvePath("tiny"));
        Assert.Equal(path, host.ResolvePath(path));
        Assert.Equal(LocalModelException.Missing, Assert.Throws<LocalModelException>(() => host.ResolvePath("/etc/passwd")).Code);
        Assert.Equal(LocalModelException.Missing, Assert.Throws<LocalModelException>(() => host.ResolvePath("..")).Code);
    }

    [Fact]
    public void The_validator_reads_the_architecture_and_context_of_a_good_file()
    {
        var file = GgufFile.Read(models.PathOf(TinyModels.Good), TinyModels.Good);

        Assert.Equal("llama", file.Architecture);
        Assert.Equal(2048UL, file.ContextLength);
        Assert.Equal(file.FileLength, file.RequiredLength);
    }
}
