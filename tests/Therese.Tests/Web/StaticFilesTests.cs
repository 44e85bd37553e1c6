using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;

namespace Therese.Tests.Web;

/// <summary>The front end goes out compressed at build time, cached by its hashed name; the chat stream never.</summary>
public sealed partial class StaticFilesTests : ServerTest
{
    /// <summary>The largest script the page loads first (the entry itself is a few hundred bytes; React is most of it).</summary>
    private async Task<string> ScriptPathAsync()
    {
        var html = await Http.GetStringAsync("/");
        var scripts = ScriptTag().Matches(html).Select(m => m.Groups["src"].Value).ToList();
        Assert.NotEmpty(scripts);
        using var http = Raw(Host.BaseUrl);
        var sizes = new List<(string Path, int Size)>();
        foreach (var script in scripts) sizes.Add((script, (await http.GetByteArrayAsync(script)).Length));
        return sizes.MaxBy(s => s.Size).Path;
    }

    private static HttpClient Raw(string baseUrl) =>
        new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = new Uri(baseUrl) };

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task The_script_is_sent_compressed_as_asked_and_decompresses_to_the_same_bytes(string encoding)
    {
        var path = await ScriptPathAsync();
        Assert.StartsWith("/assets/", path);
        using var http = Raw(Host.BaseUrl);
        var plain = await http.GetByteArrayAsync(path);

        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd($"{encoding}, identity;q=0.5");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", response.Headers.CacheControl?.ToString());
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        var compressed = await response.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < plain.Length / 2, $"{compressed.Length} bytes compressed for {plain.Length}");

        await using Stream decoder = encoding == "br"
            ? new BrotliStream(new MemoryStream(compressed), CompressionMode.Decompress)
            : new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var back = new MemoryStream();
        await decoder.CopyToAsync(back);
        Assert.Equal(plain, back.ToArray());
    }

    [Fact]
    public async Task Without_accept_encoding_the_script_is_plain_and_the_page_is_never_cached()
    {
        using var http = Raw(Host.BaseUrl);
        using var page = await http.GetAsync("/");
        // The page names the settings in force (FirstScreen): never kept by a cache.
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        using var script = await http.GetAsync(await ScriptPathAsync());
        Assert.Empty(script.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task The_chat_stream_is_never_compressed()
    {
        using var http = Raw(Host.BaseUrl);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/stream") { Content = Json(new { content = Chat.Directive.Message(new { text = "Salut.", tps = 0 }) }) };
        request.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(["identity"], response.Content.Headers.ContentEncoding);
        Assert.Contains("data: [DONE]", await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("(?:<script type=\"module\" crossorigin src|<link rel=\"modulepreload\" crossorigin href)=\"(?<src>/assets/[^\"]+\\.js)\"")]
    private static partial Regex ScriptTag();
}
