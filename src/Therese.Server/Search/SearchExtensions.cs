namespace Therese.Server.Search;

public static class SearchExtensions
{
    public static IHostApplicationBuilder AddSearch(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConversationSearch>();
        return builder;
    }
}
