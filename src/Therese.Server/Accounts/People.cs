using Microsoft.AspNetCore.Identity;

namespace Therese.Server.Accounts;

/// <summary>Creating a person: the checks the setup screen, the start-up admin and the admin page share.</summary>
public static class People
{
    public const int MaxName = 200;

    public static async Task<(ThereseUser? User, IResult? Problem)> CreateAsync(UserManager<ThereseUser> users, TimeProvider clock,
        string? email, string? name, string? password, string role, bool mustChangePassword, long? monthlyTokenBudget = null)
    {
        email = email?.Trim();
        if (string.IsNullOrEmpty(email) || email.Length > 256 || !email.Contains('@', StringComparison.Ordinal))
            return (null, Problems.BadRequest("invalid_email", "Indiquez une adresse e-mail valide."));
        if (string.IsNullOrEmpty(password))
            return (null, Problems.BadRequest("invalid_password", "Indiquez un mot de passe."));
        if (!ThereseUser.Roles.IsKnown(role))
            return (null, Problems.BadRequest("invalid_role", "Le rôle doit être admin ou member."));
        name = string.IsNullOrWhiteSpace(name) ? email[..email.IndexOf('@', StringComparison.Ordinal)] : name.Trim();
        if (name.Length > MaxName) return (null, Problems.BadRequest("invalid_name", "Le nom est trop long (200 caractères au plus)."));
        if (monthlyTokenBudget is < 0) return (null, Problems.BadRequest("invalid_budget", "Le budget mensuel ne peut pas être négatif."));

        var user = new ThereseUser
        {
            UserName = email,
            Email = email,
            DisplayName = name,
            Role = role,
            MustChangePassword = mustChangePassword,
            MonthlyTokenBudget = monthlyTokenBudget,
            CreatedAt = clock.GetUtcNow(),
            LockoutEnabled = true,
        };
        var created = await users.CreateAsync(user, password);
        if (created.Succeeded) return (user, null);
        var taken = created.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName));
        return (null, taken
            ? Problems.Create(StatusCodes.Status409Conflict, "email_taken", "Cette adresse e-mail est déjà utilisée par une autre personne.")
            : Problems.BadRequest("invalid_password", AuthApi.Describe(created)));
    }
}
