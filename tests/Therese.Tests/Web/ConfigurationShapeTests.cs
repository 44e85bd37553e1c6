using Microsoft.Extensions.Configuration;
using Therese.Server.Web;

namespace Therese.Tests.Web;

/// <summary>Configuration in an unexpected shape is taken for what it means or refused, never ignored without a word.</summary>
public sealed class ConfigurationShapeTests
{
    private static ConfigurationManager Config(params (string Key, string Value)[] values)
    {
        var config = new ConfigurationManager();
        config.AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)));
        return config;
    }

    [Fact]
    public void A_plain_redis_value_is_its_configuration_string()
    {
        var config = Config(("Therese:Redis", "cache.interne:6379,password=secret"));
        ConfigurationShape.Normalise(config);
        Assert.Equal("cache.interne:6379,password=secret", config["Therese:Redis:Configuration"]);
        Assert.Null(ConfigurationShape.Refusal(config));
    }

    [Fact]
    public void A_plain_redis_value_beside_a_different_configuration_is_refused_without_repeating_either()
    {
        var config = Config(("Therese:Redis", "a:6379,password=secret"), ("Therese:Redis:Configuration", "b:6379"));
        ConfigurationShape.Normalise(config);
        Assert.Equal("b:6379", config["Therese:Redis:Configuration"]);
        var refusal = ConfigurationShape.Refusal(config);
        Assert.NotNull(refusal);
        Assert.Contains("ne démarre pas", refusal);
        Assert.DoesNotContain("secret", refusal);
    }

    [Theory]
    [InlineData("Llm", "anthropic")]
    [InlineData("Storage", "postgres")]
    [InlineData("Limits", "100")]
    [InlineData("Attachments", "10000000")]
    [InlineData("Team", "admin@mairie.fr")]
    [InlineData("Mcp", "agenda")]
    public void Any_other_section_given_a_value_stops_the_start_and_says_which_key_in_english_and_french(string section, string value)
    {
        var config = Config(($"Therese:{section}", value));
        ConfigurationShape.Normalise(config);
        var refusal = ConfigurationShape.Refusal(config);
        Assert.NotNull(refusal);
        Assert.Contains($"Therese:{section} holds a section", refusal);
        Assert.Contains($"Therese:{section} regroupe des réglages", refusal);
        Assert.Contains($"Therese__{section}__", refusal);
        Assert.DoesNotContain(value, refusal);
    }

    [Fact]
    public void Sections_given_as_sections_and_plain_keys_pass()
    {
        var config = Config(("Therese:Llm:Provider", "anthropic"), ("Therese:Mode", "team"), ("Therese:DataDir", "/tmp/x"),
            ("Therese:AccessToken", "0123456789abcdef0123"), ("Therese:Redis:Configuration", "r:6379"));
        ConfigurationShape.Normalise(config);
        Assert.Null(ConfigurationShape.Refusal(config));
    }

    [Fact]
    public void Postgres_without_redis_is_said_loudly_and_with_redis_it_is_not()
    {
        var alone = ConfigurationShape.Warnings(Config(("Therese:Storage:Provider", "postgres"))).ToList();
        Assert.Single(alone);
        Assert.Contains("Therese:Redis:Configuration", alone[0]);
        Assert.Contains("Stockage PostgreSQL sans Redis", alone[0]);

        var shared = Config(("Therese:Storage:Provider", "Postgres"), ("Therese:Redis", "r:6379"));
        ConfigurationShape.Normalise(shared);
        Assert.Empty(ConfigurationShape.Warnings(shared));
        Assert.Empty(ConfigurationShape.Warnings(Config()));
    }
}

/// <summary>The real process: a misshapen key stops it, and a plain Redis value is used (not ignored).</summary>
public sealed class ConfigurationShapeProcessTests
{
    [Fact]
    public async Task A_section_given_a_value_stops_the_server_with_the_reason()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "therese-tests", "shape-" + Guid.NewGuid().ToString("N"));
        await using var server = ServerProcess.Start(new Dictionary<string, string> { ["Therese:DataDir"] = dataDir, ["Therese:Llm"] = "anthropic" });
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("stderr: THÉRÈSE ne démarre pas : Therese:Llm regroupe des réglages", server.Output);
        Assert.False(Directory.Exists(dataDir), "it prepared its data folder before refusing");
    }

    [Fact]
    public async Task A_plain_redis_value_is_used_so_an_unreachable_redis_stops_the_start_instead_of_a_silent_lone_instance()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "therese-tests", "shape-" + Guid.NewGuid().ToString("N"));
        var deadPort = ServerProcess.FreePort();
        await using var server = ServerProcess.Start(new Dictionary<string, string>
        {
            ["Therese:DataDir"] = dataDir,
            ["Therese:Redis"] = $"127.0.0.1:{deadPort},connectTimeout=500",
        });
        try
        {
            var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(120));
            Assert.NotEqual(0, exitCode);
            Assert.Contains("Redis does not answer", server.Output);
        }
        finally
        {
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
