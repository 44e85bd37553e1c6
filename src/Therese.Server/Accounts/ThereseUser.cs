using Microsoft.AspNetCore.Identity;

namespace Therese.Server.Accounts;

/// <summary>
/// A person of a team. Identity keeps the password hash (or none: an organisation account signing in
/// with OpenID Connect later needs no password, only an external login).
/// </summary>
public sealed class ThereseUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary><see cref="Roles.Admin"/> or <see cref="Roles.Member"/>.</summary>
    public string Role { get; set; } = Roles.Member;

    public bool Disabled { get; set; }

    /// <summary>The admin set or reset the password: the page insists on a new one before the chat opens.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>Tokens (in and out) this person may use per calendar month; null: no limit.</summary>
    public long? MonthlyTokenBudget { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public static class Roles
    {
        public const string Admin = "admin";
        public const string Member = "member";

        public static bool IsKnown(string? role) => role is Admin or Member;
    }
}

/// <summary>Tokens used by one person on one day (UTC), counted from each answer's usage.</summary>
public sealed class UsageDay
{
    public required string UserId { get; init; }
    public DateOnly Day { get; init; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public int Answers { get; set; }
}
