using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Settings;
using Therese.Server.Storage;

namespace Therese.Server.Tools;

/// <summary>
/// The servers added in « Réglages » and the admin's approval overrides, in the settings table (no schema of their
/// own). Env and Headers values are encrypted with Data Protection, as the API key is.
/// </summary>
public sealed class ToolServerStore(IDbContextFactory<ThereseDb> dbs, IDataProtectionProvider protection, ILogger<ToolServerStore> logger)
{
    private const string ServerPrefix = "mcp.server.";
    private const string OverridePrefix = "mcp.approval.";
    private readonly IDataProtector _secrets = protection.CreateProtector("Therese.Mcp.Secrets");

    private sealed record Stored(string? Command, List<string>? Args, Dictionary<string, string>? Env, string? Url, Dictionary<string, string>? Headers);

    public async Task<Dictionary<string, ToolServerConfig>> ReadServersAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(ServerPrefix)).ToListAsync(ct);
        var servers = new Dictionary<string, ToolServerConfig>();
        foreach (var row in rows)
        {
            if (row.Value is null) continue;
            var stored = JsonSerializer.Deserialize<Stored>(row.Value)!;
            servers[row.Key[ServerPrefix.Length..]] = new ToolServerConfig
            {
                Command = stored.Command,
                Args = stored.Args ?? [],
                Env = Unprotect(stored.Env),
                Url = stored.Url,
                Headers = Unprotect(stored.Headers),
            };
        }
        return servers;
    }

    public async Task SaveServerAsync(string name, ToolServerConfig config, CancellationToken ct)
    {
        var stored = new Stored(config.Command, config.Args, Protect(config.Env), config.Url, Protect(config.Headers));
        await PutAsync(ServerPrefix + name, JsonSerializer.Serialize(stored), ct);
    }

    public async Task RemoveServerAsync(string name, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        await db.Settings.Where(s => s.Key == ServerPrefix + name || s.Key.StartsWith(OverridePrefix + name + "/")).ExecuteDeleteAsync(ct);
    }

    /// <summary>The admin's overrides, by <c>{server}/{tool}</c>: true, a tool always asks; false, it never does.</summary>
    public async Task<Dictionary<string, bool>> ReadOverridesAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(OverridePrefix)).ToListAsync(ct);
        return rows.Where(r => r.Value is "true" or "false").ToDictionary(r => r.Key[OverridePrefix.Length..], r => r.Value == "true");
    }

    public Task SaveOverrideAsync(string server, string tool, bool? needsApproval, CancellationToken ct) =>
        PutAsync(OverridePrefix + server + "/" + tool, needsApproval is { } b ? (b ? "true" : "false") : null, ct);

    private async Task PutAsync(string key, string? value, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var row = await db.Settings.SingleOrDefaultAsync(s => s.Key == key, ct);
        if (value is null)
        {
            if (row is not null) db.Settings.Remove(row);
        }
        else if (row is null) db.Settings.Add(new Setting { Key = key, Value = value });
        else row.Value = value;
        await db.SaveChangesAsync(ct);
    }

    private Dictionary<string, string> Protect(Dictionary<string, string> values) =>
        values.ToDictionary(kv => kv.Key, kv => _secrets.Protect(kv.Value));

    private Dictionary<string, string> Unprotect(Dictionary<string, string>? values)
    {
        var clear = new Dictionary<string, string>();
        foreach (var (key, value) in values ?? [])
        {
            try
            {
                clear[key] = _secrets.Unprotect(value);
            }
            catch (CryptographicException)
            {
                // The key ring that encrypted it is gone: the value must be entered again.
                logger.LogWarning("A saved secret of an MCP server cannot be decrypted with this key ring ({Key}); it counts as unset", key);
            }
        }
        return clear;
    }
}
