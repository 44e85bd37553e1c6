using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Therese.Tests.Web;

/// <summary>
/// The page comes with what the first screen needs (the mode, the model settings) as a JSON data block, and
/// with its own chat input when the first screen is the chat; nothing in that block can end it early.
/// </summary>
public sealed partial class FirstScreenTests : ServerTest
{
    private static JsonElement Bootstrap(string html)
    {
        var blocks = DataBlock().Matches(html);
        Assert.Single(blocks);
        return JsonDocument.Parse(blocks[0].Groups["json"].Value).RootElement;
    }

    [Fact]
    public async Task The_page_carries_the_mode_and_settings_and_its_own_chat_input()
    {
        using var response = await Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var html = await response.Content.ReadAsStringAsync();
        var data = Bootstrap(html);
        Assert.Equal("personal", data.GetProperty("mode").GetString());
        Assert.Equal("personal", data.GetProperty("me").GetProperty("mode").GetString());
        Assert.True(data.GetProperty("settings").GetProperty("configured").GetBoolean());
        // What /api/settings says, no more: never the key itself.
        var settings = JsonDocument.Parse(await Http.GetStringAsync("/api/settings")).RootElement;
        Assert.Equal(JsonSerializer.Serialize(settings), JsonSerializer.Serialize(data.GetProperty("settings")));
        Assert.DoesNotContain("test-key", html);
        Assert.Matches("<textarea[^>]*data-testid=\"chat-input\"[^>]*autofocus", html);
    }

    [Fact]
    public async Task A_system_prompt_that_closes_the_script_stays_text_inside_the_data_block()
    {
        const string hostile = "</script><script>alert('THÉRÈSE')</script><!-- & \"";
        using (var put = await Http.PutAsync("/api/settings", Json(new { system_prompt = hostile })))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var html = await Http.GetStringAsync("/c/0193aaaabbbbccccddddeeeeffff0000");
        Assert.DoesNotContain("<script>alert", html);
        Assert.Equal(hostile, Bootstrap(html).GetProperty("settings").GetProperty("system_prompt").GetString());
    }

    [Theory]
    [InlineData("/settings")]
    [InlineData("/data")]
    public async Task Pages_other_than_the_chat_come_without_the_chat_input(string path)
    {
        var html = await Http.GetStringAsync(path);
        Assert.DoesNotContain("data-shell", html);
        Assert.Equal("personal", Bootstrap(html).GetProperty("mode").GetString());
    }

    [GeneratedRegex("<script type=\"application/json\" id=\"bootstrap\">(?<json>.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex DataBlock();
}

/// <summary>No model yet: the first screen is the onboarding, so the page has no chat input of its own.</summary>
public sealed class FirstScreenWithoutModelTests : ServerTest
{
    protected override string? Provider => null;

    [Fact]
    public async Task A_new_user_s_page_has_no_chat_input_and_says_no_model_is_configured()
    {
        var html = await Http.GetStringAsync("/");
        Assert.DoesNotContain("data-shell", html);
        Assert.Contains("\"configured\":false", html);
    }
}

/// <summary>An access token is set: a page asked without it names nothing of the settings (the app asks for the token first).</summary>
public sealed class FirstScreenWithAccessTokenTests : ServerTest
{
    protected override Dictionary<string, string?> Settings => new() { ["Therese:AccessToken"] = "jeton-de-test-assez-long-0123456789" };

    [Fact]
    public async Task Without_the_token_the_page_carries_no_settings_and_no_chat_input()
    {
        var html = await Http.GetStringAsync("/");
        Assert.DoesNotContain("data-shell", html);
        Assert.Contains("\"settings\":null", html);
        Assert.Contains("\"me\":null", html);
        Assert.DoesNotContain("system_prompt", html);
    }

    [Fact]
    public async Task With_the_token_the_page_carries_the_settings()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Authorization = new("Bearer", "jeton-de-test-assez-long-0123456789");
        using var response = await Http.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("system_prompt", html);
        Assert.Contains("data-shell", html);
    }
}
