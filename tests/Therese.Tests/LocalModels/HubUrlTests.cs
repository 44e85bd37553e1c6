using Microsoft.Extensions.Options;
using Therese.Server.LocalModels;

namespace Therese.Tests.LocalModels;

public sealed class HubUrlTests
{
    [Theory]
    [InlineData(null, "https://huggingface.co/bartowski/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf")]
    [InlineData("", "https://huggingface.co/bartowski/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf")]
    [InlineData("https://hf-mirror.example/", "https://hf-mirror.example/bartowski/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf")]
    [InlineData("http://10.0.0.2:8080/hf", "http://10.0.0.2:8080/hf/bartowski/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf")]
    public void Files_come_from_hub_repo_resolve_main_file(string? hubUrl, string expected)
    {
        var options = new LocalModelsOptions { HubUrl = hubUrl };
        using var hub = new HubClient(Options.Create(options));

        Assert.True(options.HasValidHubUrl);
        Assert.Equal(expected, hub.ResolveUri("bartowski/Qwen2.5-1.5B-Instruct-GGUF", "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf").AbsoluteUri);
    }

    [Fact]
    public void A_file_name_is_escaped_in_the_url()
    {
        using var hub = new HubClient(Options.Create(new LocalModelsOptions()));

        Assert.Equal("https://huggingface.co/o/n/resolve/main/Mon%20mod%C3%A8le%20%231.gguf", hub.ResolveUri("o/n", "Mon modèle #1.gguf").AbsoluteUri);
    }

    [Theory]
    [InlineData("huggingface.co")]
    [InlineData("ftp://huggingface.co")]
    [InlineData("file:///etc")]
    public void A_hub_url_that_is_not_http_is_refused(string hubUrl)
    {
        Assert.False(new LocalModelsOptions { HubUrl = hubUrl }.HasValidHubUrl);
    }

    [Fact]
    public void Retry_delays_double_up_to_the_cap()
    {
        var options = new LocalModelsOptions { RetryDelayMs = 1000, MaxRetryDelayMs = 5000 };

        Assert.Equal([1000, 2000, 4000, 5000, 5000], Enumerable.Range(1, 5).Select(n => options.RetryDelay(n).TotalMilliseconds));
    }
}
