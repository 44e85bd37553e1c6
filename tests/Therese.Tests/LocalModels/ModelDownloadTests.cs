using Microsoft.Extensions.Time.Testing;
using Therese.Server.LocalModels;

namespace Therese.Tests.LocalModels;

/// <summary>The speed a download shows, on a fake clock: the bytes of the last half second or more, per second.</summary>
public sealed class ModelDownloadTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void The_speed_shown_is_the_bytes_received_over_the_last_window_per_second()
    {
        var download = new ModelDownload("d1", "org/repo", "model.gguf", _clock);
        download.Downloading(0, 10_000_000);
        Assert.Null(download.View().BytesPerSecond);

        _clock.Advance(TimeSpan.FromMilliseconds(300));
        download.Progress(300_000);
        // Less than half a second: too little to tell a speed.
        Assert.Null(download.View().BytesPerSecond);

        _clock.Advance(TimeSpan.FromMilliseconds(200));
        download.Progress(500_000);
        Assert.Equal(1_000_000, download.View().BytesPerSecond);

        // The next window starts where the last one ended: a slower second half second shows as slower.
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        download.Progress(600_000);
        Assert.Equal(200_000, download.View().BytesPerSecond);
        Assert.Equal(600_000, download.View().Bytes);
    }

    [Fact]
    public void A_resumed_transfer_counts_its_speed_from_where_it_resumed()
    {
        var download = new ModelDownload("d2", "org/repo", "model.gguf", _clock);
        download.Downloading(0, 1_000_000);
        _clock.Advance(TimeSpan.FromSeconds(1));
        download.Progress(400_000);
        Assert.Equal(400_000, download.View().BytesPerSecond);

        // A retry after a dropped connection: no speed until the new transfer has run for a while.
        _clock.Advance(TimeSpan.FromSeconds(3));
        download.Downloading(400_000, 1_000_000);
        Assert.Null(download.View().BytesPerSecond);
        _clock.Advance(TimeSpan.FromSeconds(2));
        download.Progress(900_000);
        Assert.Equal(250_000, download.View().BytesPerSecond);
    }

    [Fact]
    public void A_download_that_is_not_transferring_shows_no_speed()
    {
        var download = new ModelDownload("d3", "org/repo", "model.gguf", _clock);
        download.Downloading(0, 1_000_000);
        _clock.Advance(TimeSpan.FromSeconds(1));
        download.Progress(1_000_000);
        Assert.Equal(1_000_000, download.View().BytesPerSecond);

        download.Verifying();
        Assert.Null(download.View().BytesPerSecond);
    }
}
