using Therese.Server.Storage;

namespace Therese.Server.Search;

public static class SearchExtensions
{
    public static IHostApplicationBuilder AddSearch(this IHostApplicationBuilder builder)
    {
        if (StorageOptions.From(builder.Configuration).IsPostgres) builder.Services.AddSingleton<IConversationSearch, PostgresConversationSearch>();
        else builder.Services.AddSingleton<IConversationSearch, SqliteConversationSearch>();
        return builder;
    }
}
