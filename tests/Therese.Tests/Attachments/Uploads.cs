using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Therese.Tests.Attachments;

/// <summary>Uploading as the page does: multipart/form-data with one « file » field.</summary>
public static class Uploads
{
    public static async Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] bytes, string name, string claimedType = "application/octet-stream")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(claimedType);
        form.Add(file, "file", name);
        return await http.PostAsync("/api/attachments", form);
    }

    /// <summary>Uploads and expects 201: the attachment's metadata.</summary>
    public static async Task<JsonElement> AddAsync(HttpClient http, byte[] bytes, string name, string claimedType = "application/octet-stream")
    {
        using var response = await PostAsync(http, bytes, name, claimedType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static string Id(this JsonElement attachment) => attachment.GetProperty("id").GetString()!;
}
