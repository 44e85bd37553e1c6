using Therese.Server.Accounts;

namespace Therese.Server.Search;

public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", Search).WithTags("Search").WithName("Search")
            .WithSummary("Words found in titles and messages, with the passage that holds them.");
        return app;
    }

    public sealed record SearchResults(IReadOnlyList<SearchHit> Results);

    private static async Task<IResult> Search(string? q, int? limit, IConversationSearch search, CurrentUser user, CancellationToken ct)
    {
        var size = limit ?? 30;
        if (size is < 1 or > 100)
            return Problems.BadRequest("invalid_request", "Le paramètre limit doit être compris entre 1 et 100.");
        if (string.IsNullOrWhiteSpace(q))
            return Problems.BadRequest("invalid_request", "Indiquez les mots à chercher (paramètre q).");
        if (q.Length > 500)
            return Problems.BadRequest("invalid_request", "La recherche est trop longue : 500 caractères au plus.");
        return TypedResults.Ok(new SearchResults(await search.FindAsync(q, size, user.OwnerId, ct)));
    }
}
