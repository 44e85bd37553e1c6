using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Therese.Server.Web;

/// <summary>
/// The front end is compressed when it is built (web/scripts/compress.mjs writes <c>x.js.br</c> and
/// <c>x.js.gz</c>). This sends the smallest file the browser accepts, with its Content-Encoding, and
/// lets hashed files be cached for a year. The chat stream is not a file and is never compressed.
/// </summary>
public static class PrecompressedFiles
{
    private static readonly (string Encoding, string Suffix)[] Encodings = [("br", ".br"), ("gzip", ".gz")];

    /// <summary>Before UseStaticFiles: points the request at the compressed twin when there is one.</summary>
    public static IApplicationBuilder UsePrecompressedFiles(this IApplicationBuilder app, IWebHostEnvironment env)
    {
        var files = env.WebRootFileProvider;
        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            // The page is written for each request (FirstScreen): an endpoint, not a file.
            if (context.GetEndpoint() is null && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                && !request.Path.StartsWithSegments("/api") && request.Path.HasValue && Path.HasExtension(request.Path.Value))
            {
                var accepted = request.GetTypedHeaders().AcceptEncoding;
                foreach (var (encoding, suffix) in Encodings)
                {
                    if (!accepted.Any(a => a.Value.Equals(encoding, StringComparison.OrdinalIgnoreCase) && a.Quality != 0)) continue;
                    if (!files.GetFileInfo(request.Path.Value + suffix).Exists) continue;
                    request.Path = request.Path.Value + suffix;
                    context.Response.Headers.ContentEncoding = encoding;
                    break;
                }
                context.Response.Headers.Append(HeaderNames.Vary, HeaderNames.AcceptEncoding);
            }
            await next();
        });
    }

    public static StaticFileOptions Options() => new()
    {
        ContentTypeProvider = new CompressedTwinTypes(),
        OnPrepareResponse = file =>
        {
            // Vite names what it builds in /assets by its content hash: it never changes under that name.
            file.Context.Response.Headers.CacheControl = file.Context.Request.Path.StartsWithSegments("/assets")
                ? "public, max-age=31536000, immutable"
                : "no-cache";
        },
    };

    /// <summary>A compressed twin has the type of the file it compresses.</summary>
    private sealed class CompressedTwinTypes : IContentTypeProvider
    {
        private readonly FileExtensionContentTypeProvider _types = new();

        public bool TryGetContentType(string subpath, out string contentType)
        {
            foreach (var (_, suffix) in Encodings)
                if (subpath.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                    return _types.TryGetContentType(subpath[..^suffix.Length], out contentType!);
            return _types.TryGetContentType(subpath, out contentType!);
        }
    }
}
