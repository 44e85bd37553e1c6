namespace Therese.Tests.LocalModels;

/// <summary>A disk that cannot hold the model plus the room THÉRÈSE leaves free.</summary>
public sealed class DiskSpaceTests : LocalModelsTest
{
    protected override Dictionary<string, string?> Settings => new(base.Settings)
    {
        // More than any disk has: the check must refuse before a single byte is fetched.
        ["Therese:Models:ReserveFreeMegabytes"] = "1000000000000",
    };

    [Fact]
    public async Task Not_enough_free_space_fails_before_any_byte_is_fetched()
    {
        Host.Fake.Hub.Add(Repo, File, RandomBytes(10_000));

        var id = (await StartAsync()).GetProperty("id").GetString()!;
        var end = (await WatchUntilEndedAsync(id))[^1];

        Assert.Equal("failed", State(end));
        var (code, message) = Error(end);
        Assert.Equal("disk_full", code);
        AssertFrench(message);
        Assert.Contains("To", message);
        Assert.Empty(CdnGets());
        Assert.False(System.IO.File.Exists(PartPath()));
        Assert.False(System.IO.File.Exists(ModelPath()));
    }
}
