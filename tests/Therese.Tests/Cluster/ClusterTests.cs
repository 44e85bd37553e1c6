using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Cluster;

/// <summary>Three THÉRÈSE instances behind nginx: whichever instance serves a request, the user sees one THÉRÈSE.</summary>
[Collection("cluster")]
public sealed class ClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private ThereseCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_conversation_written_on_one_instance_is_read_on_the_others()
    {
        var (on0, cookies) = await fixture.SignInAsync(instance: 0);
        await using var stream = await ChatStreamReader.OpenAsync(on0, new { content = Directive.Message(new { text = "Réponse écrite par l’instance 0.", tps = 500 }) });
        var events = await stream.ReadToEndAsync();
        var start = events.First(e => e.Type == "start").Json;
        var conversationId = start.GetProperty("conversation_id").GetString()!;

        for (var i = 1; i < 3; i++)
        {
            using var other = Cluster.CreateClient(i, cookies);
            var conversation = await other.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversationId}");
            var messages = conversation.GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal("Réponse écrite par l’instance 0.", messages[^1].GetProperty("content").GetString());
            Assert.Equal("complete", messages[^1].GetProperty("status").GetString());
        }
    }
}
