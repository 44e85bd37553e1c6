using System.Net;
using Microsoft.Extensions.Configuration;
using System.Net.Sockets;
using Therese.Server.Desktop;
using Therese.Server.Storage;

namespace Therese.Tests.Desktop;

/// <summary>
/// The installed app's launch decisions, in process. The published app itself is run in tests/Therese.Release.
/// </summary>
public sealed class DesktopLaunchTests
{
    [Fact]
    public void A_developers_build_is_not_the_installed_app_so_no_test_or_benchmark_opens_a_browser()
    {
        Assert.False(AppBuild.IsInstalledApp);
        Assert.False(DesktopOptions.From(new ConfigurationBuilder().Build()).Enabled);
        Assert.Matches(@"^\d+\.\d+\.\d+", AppBuild.Version);
    }

    [Fact]
    public void The_command_line_switches_are_taken_before_aspnet_core_reads_the_rest()
    {
        string[] args = ["--no-browser", "--urls", "http://127.0.0.1:1234"];
        Assert.Null(DesktopCommandLine.Handle(ref args));
        Assert.Equal(["--Therese:Desktop:OpenBrowser=false", "--urls", "http://127.0.0.1:1234"], args);
        var config = new ConfigurationBuilder().AddCommandLine(args).Build();
        Assert.False(DesktopOptions.From(config).OpenBrowser);

        string[] version = ["--version"];
        Assert.Equal(0, DesktopCommandLine.Handle(ref version));
    }

    [Theory]
    [InlineData("http://127.0.0.1:17293", true)]
    [InlineData("http://localhost:17293", true)]
    [InlineData("http://[::1]:17293", true)]
    [InlineData("https://127.0.0.1:17293", false)]
    [InlineData("http://0.0.0.0:17293", false)]
    [InlineData("http://192.168.1.10:17293", false)]
    [InlineData("http://*:17293", false)]
    public void Only_a_plain_http_address_on_this_machine_is_moved_to_a_free_port(string url, bool movable) =>
        Assert.Equal(movable, LoopbackAddress.Parse(url) is not null);

    [Fact]
    public void Data_goes_to_each_platforms_place_unless_a_therese_folder_already_exists()
    {
        var home = Path.Combine(Path.GetTempPath(), "therese-home-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        try
        {
            Assert.Equal(Path.Combine(home, ".local", "share", "therese"), DefaultDataFolder.Path(home, "linux", null, null));
            Assert.Equal(Path.Combine(home, ".local", "share", "therese"), DefaultDataFolder.Path(home, "linux", "relative/ignored", null));
            Assert.Equal("/xdg/data/therese", DefaultDataFolder.Path(home, "linux", "/xdg/data", null));
            Assert.Equal(Path.Combine(home, "Library", "Application Support", "THERESE"), DefaultDataFolder.Path(home, "macos", null, null));
            Assert.Equal(Path.Combine("/c/Users/Ana/AppData/Local", "THERESE"), DefaultDataFolder.Path(home, "windows", null, "/c/Users/Ana/AppData/Local"));

            // Someone who ran THÉRÈSE before the installable app keeps their conversations.
            Directory.CreateDirectory(Path.Combine(home, ".therese"));
            foreach (var platform in new[] { "linux", "macos", "windows" })
                Assert.Equal(Path.Combine(home, ".therese"), DefaultDataFolder.Path(home, platform, "/xdg/data", "/c/local"));

            // Therese:DataDir still wins.
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Therese:DataDir"] = "/srv/therese" }).Build();
            Assert.Equal("/srv/therese", DataDirectory.From(config).Path);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}

/// <summary>Where a launch goes when the port is taken, against a real THÉRÈSE.</summary>
public sealed class DesktopPortTests : ServerTest
{
    [Fact]
    public async Task From_the_wanted_port_it_skips_other_programs_and_finds_a_running_therese()
    {
        // This test's server is a real THÉRÈSE: asked for its port, the launch hands over to it.
        var port = new Uri(Host.BaseUrl).Port;
        Assert.Contains("<title>THÉRÈSE</title>", await Http.GetStringAsync("/"));
        var found = await DesktopLaunch.FindAsync(LoopbackAddress.Parse($"http://127.0.0.1:{port}")!);
        Assert.Equal((null, port), (found.Free, found.Running?.Port));

        // Another program (it accepts connections, and answers nothing THÉRÈSE recognises): the next free port.
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var taken = ((IPEndPoint)other.LocalEndpoint).Port;
        var next = await DesktopLaunch.FindAsync(LoopbackAddress.Parse($"http://127.0.0.1:{taken}")!);
        Assert.Null(next.Running);
        Assert.True(next.Free!.Port > taken, $"{next.Free.Port} should come after {taken}");
        Assert.Equal($"http://127.0.0.1:{next.Free.Port}", next.Free.Url);
    }
}
