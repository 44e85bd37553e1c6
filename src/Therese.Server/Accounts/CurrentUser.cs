namespace Therese.Server.Accounts;

/// <summary>
/// Who is asking, for the endpoints that own data. In personal mode nobody is signed in and everything
/// belongs to the one person using this THÉRÈSE: <see cref="OwnerId"/> is null.
/// </summary>
/// <param name="MonthlyTokenBudget">Team mode: the person's monthly budget in tokens, read with the rest (null: none).</param>
public sealed record CurrentUser(string? OwnerId, string? Role, long? MonthlyTokenBudget = null)
{
    public static readonly CurrentUser Personal = new(null, null);

    /// <summary>In personal mode the person is the admin of their own THÉRÈSE.</summary>
    public bool IsAdmin => OwnerId is null || Role == ThereseUser.Roles.Admin;

    /// <summary>Set for each request by <see cref="TeamSession"/> from the database (never from a stale cookie claim).</summary>
    public static CurrentUser From(HttpContext http) => http.Items[typeof(CurrentUser)] as CurrentUser ?? Personal;

    /// <summary>Minimal APIs bind it straight from the request.</summary>
    public static ValueTask<CurrentUser?> BindAsync(HttpContext http) => ValueTask.FromResult<CurrentUser?>(From(http));
}
