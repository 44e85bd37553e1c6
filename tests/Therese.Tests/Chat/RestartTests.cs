using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Therese.Server.Conversations;
using Therese.Server.Storage;

namespace Therese.Tests.Chat;

public sealed class RestartTests : ServerTest
{
    [Fact]
    public async Task An_answer_left_streaming_by_a_dead_process_becomes_interrupted_with_its_text()
    {
        // What a killed process leaves behind: an answer still marked streaming, with its last checkpoint.
        var now = DateTimeOffset.UtcNow;
        var dbs = Host.Services.GetRequiredService<IDbContextFactory<ThereseDb>>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            db.Conversations.Add(new Conversation { Id = "c1", Title = "Avant la panne", CreatedAt = now, UpdatedAt = now });
            db.Messages.Add(new Message { Id = "u1", ConversationId = "c1", Role = Roles.User, Content = "Question", Status = MessageStatus.Complete, CreatedAt = now, Position = 1 });
            db.Messages.Add(new Message { Id = "a1", ConversationId = "c1", Role = Roles.Assistant, Content = "Début de réponse", Status = MessageStatus.Streaming, CreatedAt = now, Position = 2 });
            await db.SaveChangesAsync();
        }

        await Host.RestartAsync();

        using var http = Host.CreateClient();
        var conversation = JsonDocument.Parse(await http.GetStringAsync("/api/conversations/c1")).RootElement;
        var answer = conversation.GetProperty("messages")[1];
        Assert.Equal("interrupted", answer.GetProperty("status").GetString());
        Assert.Equal("Début de réponse", answer.GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_stream_cut_by_a_shutdown_is_saved_as_interrupted_with_its_text()
    {
        using var http = Host.CreateClient();
        var stream = await ChatStreamReader.OpenAsync(http, new { content = Directive.Message(new { tokens = 400, tps = 20, ttft_ms = 10 }) });
        var id = (await stream.NextAsync())!.Json.GetProperty("conversation_id").GetString()!;
        for (var i = 0; i < 30; i++) await stream.NextOfTypeAsync("delta");
        var seen = stream.Text;

        // Shutting down ends the answer without waiting for the provider to finish, and saves what was streamed.
        await Host.RestartAsync();
        await stream.DisposeAsync();
        var request = Host.Fake.Requests.Single();
        Assert.True(request.TokensSent < 400, $"the shutdown waited for the provider's {request.TokensSent} tokens");

        using var after = Host.CreateClient();
        var answer = JsonDocument.Parse(await after.GetStringAsync($"/api/conversations/{id}")).RootElement.GetProperty("messages")[1];
        Assert.Equal("interrupted", answer.GetProperty("status").GetString());
        Assert.NotEqual("", answer.GetProperty("content").GetString());
        Assert.StartsWith(answer.GetProperty("content").GetString()!, seen + Therese.FakeLlm.FakeText.Text(400)[seen.Length..]);
    }
}
