using Therese.Server.Storage;

namespace Therese.Server.Privacy;

public static class PrivacyExtensions
{
    /// <summary>Export, import, deletion that deletes, and retention (team mode).</summary>
    public static IHostApplicationBuilder AddPrivacy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImportOptions>().Bind(builder.Configuration.GetSection(ImportOptions.Section))
            .Validate(o => o.Validate() is null, "Therese:Import limits must be positive (MaxFileBytes and MaxUnpackedBytes at least 1024).").ValidateOnStart();
        if (StorageOptions.From(builder.Configuration).IsPostgres) builder.Services.AddSingleton<IStorageScrub, PostgresScrub>();
        else builder.Services.AddSingleton<IStorageScrub, SqliteScrub>();
        builder.Services.AddSingleton<DataEraser>();
        builder.Services.AddSingleton<PersonalDataArchive>();
        builder.Services.AddSingleton<ConversationImporter>();
        builder.Services.AddSingleton<Retention>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Retention>());
        return builder;
    }

    public static IEndpointRouteBuilder MapPrivacyApi(this IEndpointRouteBuilder app) =>
        app.MapExportApi().MapMyDataApi().MapImportApi().MapRetentionApi();
}
