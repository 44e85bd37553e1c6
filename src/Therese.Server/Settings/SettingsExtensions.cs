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
        // The key ring lives in the data folder (owner-only), wherever Therese:DataDir points.
        builder.Services.AddDataProtection().SetApplicationName("THERESE");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<DataDirectory, ILoggerFactory>((o, dir, loggers) =>
            o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(dir.KeysPath), loggers));
        builder.Services.AddSingleton<ConfiguredSettings>();
        builder.Services.AddSingleton<SettingsStore>();
        return builder;
    }
}
