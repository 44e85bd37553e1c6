using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Therese.Server.Storage;

namespace Therese.Server.Settings;

/// <summary>The model settings saved from the page, in the database; the API key encrypted.</summary>
public sealed class SettingsStore(IDbContextFactory<ThereseDb> dbs, IDataProtectionProvider protection, ILogger<SettingsStore> logger)
{
    private readonly IDataProtector _keys = protection.CreateProtector("Therese.Settings.ApiKey");

    public async Task<ModelSettings> ReadAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Settings.AsNoTracking().ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        string? Get(string field) => rows.TryGetValue(field, out var v) ? SettingsPatch.Blank(v) : null;
        return new ModelSettings
        {
            Provider = Get(SettingFields.Provider),
            Model = Get(SettingFields.Model),
            BaseUrl = Get(SettingFields.BaseUrl),
            ApiKey = Unprotect(Get(SettingFields.ApiKey)),
            MaxTokens = int.TryParse(Get(SettingFields.MaxTokens), NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? max : null,
            SystemPrompt = Get(SettingFields.SystemPrompt),
            Reasoning = Get(SettingFields.Reasoning),
        };
    }

    /// <summary>Saves the fields the patch sets, in one transaction.</summary>
    public async Task SaveAsync(SettingsPatch patch, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Settings.ToDictionaryAsync(s => s.Key, ct);
        void Put(string field, string? value)
        {
            if (rows.TryGetValue(field, out var row)) row.Value = value;
            else db.Settings.Add(new Setting { Key = field, Value = value });
        }
        if (patch.Provider.IsSet) Put(SettingFields.Provider, patch.Provider.Value);
        if (patch.Model.IsSet) Put(SettingFields.Model, patch.Model.Value);
        if (patch.BaseUrl.IsSet) Put(SettingFields.BaseUrl, patch.BaseUrl.Value);
        if (patch.ApiKey.IsSet) Put(SettingFields.ApiKey, patch.ApiKey.Value is { } key ? _keys.Protect(key) : null);
        if (patch.MaxTokens.IsSet) Put(SettingFields.MaxTokens, patch.MaxTokens.Value?.ToString(CultureInfo.InvariantCulture));
        if (patch.SystemPrompt.IsSet) Put(SettingFields.SystemPrompt, patch.SystemPrompt.Value);
        if (patch.Reasoning.IsSet) Put(SettingFields.Reasoning, patch.Reasoning.Value);
        await db.SaveChangesAsync(ct);
    }

    private string? Unprotect(string? stored)
    {
        if (stored is null) return null;
        try
        {
            return _keys.Unprotect(stored);
        }
        catch (CryptographicException)
        {
            // The key ring that encrypted it is gone (data folder copied without keys/): the key must be entered again.
            logger.LogWarning("The saved API key cannot be decrypted with this key ring; it counts as unset");
            return null;
        }
    }
}
