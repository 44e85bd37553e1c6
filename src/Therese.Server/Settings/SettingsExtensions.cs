using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Therese.Server.Storage;

namespace Therese.Server.Settings;

public static class SettingsExtensions
{
    /// <summary>Model settings saved from the page, over what configuration pins; keys encrypted at rest.</summary>
    public static IHostApplicationBuilder AddSettings(this IHostApplicationBuilder builder)
    {
        var protection = builder.Services.AddDataProtection().SetApplicationName("THERESE");
        if (StorageOptions.From(builder.Configuration).IsPostgres)
        {
            // Several instances: one key ring for all, in the shared database (saved keys and sign-in
            // cookies are readable by every instance). PrepareStorageAsync creates its first key once.
            protection.PersistKeysToDbContext<ThereseDb>();
        }
        else
        {
            // One instance: the key ring lives in the data folder (owner-only), apart from the database,
            // wherever Therese:DataDir points.
            builder.Services.AddOptions<KeyManagementOptions>().Configure<DataDirectory, ILoggerFactory>((o, dir, loggers) =>
                o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(dir.KeysPath), loggers));
        }
        builder.Services.AddSingleton<ConfiguredSettings>();
        builder.Services.AddSingleton<SettingsStore>();
        return builder;
    }
}
