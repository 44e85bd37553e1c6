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
        Assert.Contains("refuse d'écouter", refusal);
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
