using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Therese.Server.Accounts;
using Therese.Server.Llm;
using Therese.Server.Settings;

namespace Therese.Server.Web;

/// <summary>
/// The page itself (index.html), with what the first screen needs written into it: the mode and the model
/// settings, as a JSON data block the app reads before its first render, instead of asking for them in a
/// chain of requests. The built page carries a static chat input (the shell) that takes typing before the
/// app runs; it is left out where the first screen is not the chat (team mode, no model yet, the access
/// token form, the other pages).
/// </summary>
public static class FirstScreen
{
    private const string ShellStart = "<!--first-screen-->";
    private const string ShellEnd = "<!--/first-screen-->";

    /// <summary>The chat's own addresses: the new conversation and a saved one.</summary>
    private static bool IsChatPath(PathString path) =>
        path == "/" || path == "/index.html" || path.StartsWithSegments("/c");

    public sealed record Bootstrap(string Mode, AuthApi.Me? Me, SettingsApi.SettingsView? Settings);

    public static async Task<IResult> PageAsync(HttpContext http, IWebHostEnvironment env, IOptions<TeamOptions> team,
        ChatModels models, AccessToken token, IOptions<JsonOptions> json)
    {
        var file = env.WebRootFileProvider.GetFileInfo("index.html");
        if (!file.Exists) return Problems.NotFound("La page de THÉRÈSE n’a pas été construite (npm run build dans web/).");
        string html;
        await using (var stream = file.CreateReadStream())
        using (var reader = new StreamReader(stream, Encoding.UTF8))
            html = await reader.ReadToEndAsync(http.RequestAborted);

        var bootstrap = Describe(http, team.Value, models, token);
        var chat = bootstrap.Settings is { Configured: true } && IsChatPath(http.Request.Path);
        if (!chat) html = WithoutShell(html);
        // The app's JSON options write accents as they are; here the JSON sits inside HTML, so <, >, & and
        // quotes are escaped (\u003C…): a name like "</script><script>…" stays text.
        var options = new JsonSerializerOptions(json.Value.SerializerOptions) { Encoder = JavaScriptEncoder.Default };
        var data = JsonSerializer.Serialize(bootstrap, options);
        html = html.Replace("</head>", $"<script type=\"application/json\" id=\"bootstrap\">{data}</script></head>", StringComparison.Ordinal);

        // It names the person and their settings: never kept by a cache.
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>
    /// What /api/auth/me and /api/settings would answer, where no sign-in is involved: personal mode, the
    /// request admitted by the access token rule. Team mode says only its mode (the app asks who is signed in).
    /// </summary>
    private static Bootstrap Describe(HttpContext http, TeamOptions team, ChatModels models, AccessToken token)
    {
        if (team.IsTeam) return new Bootstrap(TeamOptions.Team, null, null);
        if (!WebSecurity.AdmitsApi(http, token)) return new Bootstrap(TeamOptions.Personal, null, null);
        return new Bootstrap(TeamOptions.Personal, AuthApi.PersonalMe, SettingsApi.View(models.Current.Settings));
    }

    private static string WithoutShell(string html)
    {
        var start = html.IndexOf(ShellStart, StringComparison.Ordinal);
        var end = html.IndexOf(ShellEnd, StringComparison.Ordinal);
        return start < 0 || end < start ? html : html[..start] + html[(end + ShellEnd.Length)..];
    }
}
