using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Therese.Server.Conversations;

namespace Therese.Server.Storage;

/// <summary>
/// A message's parts in one text column, as JSON: the same on SQLite and PostgreSQL, in order, with what only the
/// server keeps (a thinking block's signature). Null when the message is its text alone.
/// </summary>
public static class PartsColumn
{
    /// <summary>Everything, server-only properties included (the HTTP options leave those out).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string? Write(List<MessagePart>? parts) => parts is null ? null : JsonSerializer.Serialize(parts, Json);

    public static List<MessagePart>? Read(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<List<MessagePart>>(json, Json);

    public static readonly ValueConverter<List<MessagePart>?, string?> Converter = new(
        parts => Write(parts), json => Read(json));

    /// <summary>Parts are compared by their JSON: records compare by value, but a list by reference.</summary>
    public static readonly ValueComparer<List<MessagePart>?> Comparer = new(
        (a, b) => Write(a) == Write(b),
        parts => (Write(parts) ?? "").GetHashCode(StringComparison.Ordinal),
        parts => Read(Write(parts)));
}
