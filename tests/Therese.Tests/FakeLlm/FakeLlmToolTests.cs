using System.Text;
using System.Text.Json;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace Therese.Tests.FakeLlm;

/// <summary>The fake model asks for tools as the real services do: arguments in fragments, in each wire format.</summary>
public sealed class FakeLlmToolTests(ITestOutputHelper output) : FakeLlmTestBase(output)
{
    private const string Script = """{"tools":[{"name":"agenda__prochains_rendez_vous","arguments":{"jour":"mardi 9 décembre","limite":3}}],"text":"Trois rendez-vous.","tps":0,"ttft_ms":0}""";

    [Fact]
    public async Task Anthropic_streams_a_tool_use_block_with_input_json_delta_fragments_the_first_one_empty()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("x-api-key", "test");
        var body = JsonSerializer.Serialize(new
        {
            model = "fake-model", max_tokens = 1024, stream = true,
            messages = new[] { new { role = "user", content = Directive(Script) } },
            tools = new[] { new { name = "agenda__prochains_rendez_vous", input_schema = new { type = "object" } } },
        });
        using var response = await http.PostAsync(Fake.BaseUrl + "/v1/messages", new StringContent(body, Encoding.UTF8, "application/json"));
        var sse = await response.Content.ReadAsStringAsync();
        var data = sse.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList();

        var start = data.Single(d => d.GetProperty("type").GetString() == "content_block_start").GetProperty("content_block");
        Assert.Equal(("tool_use", "agenda__prochains_rendez_vous"), (start.GetProperty("type").GetString(), start.GetProperty("name").GetString()));
        var fragments = data.Where(d => d.GetProperty("type").GetString() == "content_block_delta")
            .Select(d => d.GetProperty("delta")).Where(d => d.GetProperty("type").GetString() == "input_json_delta")
            .Select(d => d.GetProperty("partial_json").GetString()!).ToList();
        Assert.True(fragments.Count > 3);
        Assert.Equal("", fragments[0]);
        Assert.Equal("mardi 9 décembre", JsonDocument.Parse(string.Concat(fragments)).RootElement.GetProperty("jour").GetString());
        Assert.Contains("\"stop_reason\":\"tool_use\"", sse);
        Assert.Equal(["agenda__prochains_rendez_vous"], Fake.Requests[^1].Tools);

        // The SDK puts the fragments together into one call.
        var client = Anthropic().AsIChatClient("fake-model", 1024);
        var answer = await client.GetStreamingResponseAsync(Directive(Script)).ToChatResponseAsync();
        var call = answer.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        Assert.Equal("agenda__prochains_rendez_vous", call.Name);
        Assert.Equal("mardi 9 décembre", call.Arguments!["jour"]!.ToString());
    }

    [Fact]
    public async Task OpenAi_streams_tool_calls_argument_fragments_under_one_index_then_the_text_once_the_result_came_back()
    {
        var client = OpenAi();
        List<Microsoft.Extensions.AI.ChatMessage> history = [new(ChatRole.User, Directive(Script))];
        var options = new ChatOptions { Tools = [AIFunctionFactory.CreateDeclaration("agenda__prochains_rendez_vous", null, JsonDocument.Parse("{\"type\":\"object\"}").RootElement)] };
        var first = await client.GetStreamingResponseAsync(history, options).ToChatResponseAsync();
        var call = first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        Assert.Equal("3", call.Arguments!["limite"]!.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);

        history.AddRange(first.Messages);
        history.Add(new(ChatRole.Tool, [new FunctionResultContent(call.CallId, "Conseil à 18 h.")]));
        var second = await client.GetStreamingResponseAsync(history, options).ToChatResponseAsync();
        Assert.Equal("Trois rendez-vous.", second.Text);
        var sent = Fake.Requests[^1].Messages;
        Assert.Equal(call.CallId, sent.Single(m => m.Role == "assistant").Blocks.Single(b => b.Type == "tool_use").ToolUseId);
        var result = sent.Single(m => m.Role == "tool").Blocks.Single();
        Assert.Equal(("tool_result", call.CallId, "Conseil à 18 h."), (result.Type, result.ToolUseId, result.Text));
    }
}
