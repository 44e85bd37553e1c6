namespace Therese.Server.Settings;

/// <summary>One saved setting. The API key is stored encrypted with Data Protection, never in clear.</summary>
public sealed class Setting
{
    public required string Key { get; init; }
    public string? Value { get; set; }
}
