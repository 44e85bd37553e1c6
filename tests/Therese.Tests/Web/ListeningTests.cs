using Microsoft.Extensions.Configuration;
using Therese.Server.Web;

namespace Therese.Tests.Web;

/// <summary>Where THÉRÈSE agrees to listen, from each source of addresses Kestrel reads.</summary>
public sealed class ListeningTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Theory]
    [InlineData("http://127.0.0.1:17293")]
    [InlineData("http://localhost:17293")]
    [InlineData("http://LOCALHOST:17293")]
    [InlineData("http://[::1]:17293")]
    [InlineData("http://127.0.0.2:17293")]
    [InlineData("http://unix:/run/therese.sock")]
    [InlineData("http://127.0.0.1:17293;http://[::1]:17293")]
    public void This_machine_only_needs_no_token(string urls) => Assert.Null(Listening.Refusal(Config(("urls", urls))));

    [Theory]
    [InlineData("http://0.0.0.0:17293")]
    [InlineData("http://*:17293")]
    [InlineData("http://+:17293")]
    [InlineData("http://[::]:17293")]
    [InlineData("http://192.168.1.20:17293")]
    [InlineData("https://therese.example.org:443")]
    [InlineData("http://127.0.0.1:17293;http://10.0.0.5:17293")]
    public void Any_other_address_without_a_token_refuses_to_start_and_says_why_in_english_and_french(string urls)
    {
        var refusal = Listening.Refusal(Config(("urls", urls)));
        Assert.NotNull(refusal);
        Assert.Contains("Therese:AccessToken", refusal);
        Assert.Contains("will not listen", refusal);
        Assert.Contains("refuse d’écouter", refusal);
        Assert.Contains(urls.Split(';').Last(), refusal);
    }

    [Fact]
    public void Kestrel_endpoints_and_bare_ports_count_too()
    {
        Assert.NotNull(Listening.Refusal(Config(("urls", "http://127.0.0.1:1"), ("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:8080"))));
        Assert.NotNull(Listening.Refusal(Config(("http_ports", "8080"))));
        Assert.Null(Listening.Refusal(Config(("urls", "http://127.0.0.1:1"), ("http_ports", "8080"))));
        Assert.Null(Listening.Refusal(Config()));
    }

    [Fact]
    public void A_long_enough_token_allows_any_address_and_a_short_one_does_not()
    {
        Assert.Null(Listening.Refusal(Config(("urls", "http://0.0.0.0:17293"), ("Therese:AccessToken", "0123456789abcdef"))));
        var refusal = Listening.Refusal(Config(("urls", "http://0.0.0.0:17293"), ("Therese:AccessToken", "court")));
        Assert.NotNull(refusal);
        Assert.Contains("16", refusal);
        Assert.Contains("ne démarre pas", refusal);
        // Blank counts as unset.
        Assert.NotNull(Listening.Refusal(Config(("urls", "http://0.0.0.0:17293"), ("Therese:AccessToken", "   "))));
    }
}

/// <summary>Listening beyond this machine without an access token: the real process refuses to start.</summary>
public sealed class ListeningProcessTests
{
    [Fact]
    public async Task Without_a_token_the_server_refuses_to_listen_on_every_interface_and_says_why()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "therese-tests", "listen-" + Guid.NewGuid().ToString("N"));
        var port = ServerProcess.FreePort();
        await using var server = ServerProcess.Start(new Dictionary<string, string> { ["Therese:DataDir"] = dataDir }, $"http://0.0.0.0:{port}");
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("stderr: THÉRÈSE will not listen on http://0.0.0.0:" + port, server.Output);
        Assert.Contains("THÉRÈSE refuse d’écouter sur http://0.0.0.0:" + port, server.Output);
        Assert.Contains("Therese:AccessToken", server.Output);
        Assert.False(Directory.Exists(dataDir), "it prepared its data folder before refusing");
    }

    [Fact]
    public async Task With_a_token_it_listens_on_every_interface_and_asks_for_the_token()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "therese-tests", "listen-" + Guid.NewGuid().ToString("N"));
        var port = ServerProcess.FreePort();
        await using var server = ServerProcess.Start(new Dictionary<string, string>
        {
            ["Therese:DataDir"] = dataDir,
            ["Therese:AccessToken"] = "un-jeton-assez-long-pour-le-test",
        }, $"http://0.0.0.0:{port}");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpResponseMessage? response = null;
            while (response is null)
            {
                try { response = await http.GetAsync("/api/conversations"); }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline) { await Task.Delay(100); }
            }
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
            response.Dispose();
        }
        finally
        {
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
