using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Therese.Server.Conversations;
using Therese.Server.Storage;

namespace Therese.Tests.Chat.Units;

/// <summary>The one writer: batches in one transaction, the last text of an answer wins, a failing write fails alone.</summary>
public sealed class MessageWriterTests : IAsyncLifetime
{
    private SqliteTestDatabase _database = null!;
    private IDbContextFactory<ThereseDb> _dbs = null!;
    private MessageWriter _writer = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        _dbs = _database.Dbs;
        _writer = new MessageWriter(_dbs, NullLogger<MessageWriter>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _writer.StopAsync(CancellationToken.None);
        _database.Delete();
    }

    private Task Answer(string conversationId, string messageId) => _writer.Enqueue(async db =>
    {
        db.Conversations.Add(new Conversation { Id = conversationId, Title = "T", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
        db.Messages.Add(new Message { Id = messageId, ConversationId = conversationId, Role = Roles.Assistant, Status = MessageStatus.Streaming, Position = 1 });
        await db.SaveChangesAsync();
    });

    private async Task<string> Content(string messageId)
    {
        await using var db = await _dbs.CreateDbContextAsync();
        return (await db.Messages.SingleAsync(m => m.Id == messageId)).Content;
    }

    [Fact]
    public async Task What_is_queued_together_is_written_in_order_and_the_last_text_of_each_answer_wins()
    {
        // Queued before the writer runs, so that they make one batch.
        var writes = new List<Task> { Answer("c1", "m1"), Answer("c2", "m2") };
        for (var i = 1; i <= 50; i++)
        {
            writes.Add(_writer.SaveStreaming("m1", $"texte {i}", null));
            writes.Add(_writer.SaveStreaming("m2", $"autre {i}", null));
        }
        await _writer.StartAsync(CancellationToken.None);
        await Task.WhenAll(writes);
        Assert.Equal("texte 50", await Content("m1"));
        Assert.Equal("autre 50", await Content("m2"));
    }

    [Fact]
    public async Task A_streaming_text_never_overwrites_an_answer_that_has_ended()
    {
        await _writer.StartAsync(CancellationToken.None);
        await Answer("c1", "m1");
        var late = new[]
        {
            _writer.Enqueue(db => db.Messages.Where(m => m.Id == "m1").ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Complete).SetProperty(m => m.Content, "fin"))),
            _writer.SaveStreaming("m1", "trop tard", null),
        };
        await Task.WhenAll(late);
        Assert.Equal("fin", await Content("m1"));
    }

    [Fact]
    public async Task A_failing_write_fails_alone_and_the_rest_of_its_batch_is_saved()
    {
        var first = Answer("c1", "m1");
        var duplicate = Answer("c1", "m1 bis");
        var other = Answer("c2", "m2");
        await _writer.StartAsync(CancellationToken.None);
        await first;
        await Assert.ThrowsAnyAsync<Exception>(() => duplicate);
        await other;
        Assert.Equal("", await Content("m2"));
        await using var db = await _dbs.CreateDbContextAsync();
        Assert.False(await db.Messages.AnyAsync(m => m.Id == "m1 bis"));
    }
}
