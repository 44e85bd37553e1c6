namespace Therese.Server.Accounts;

/// <summary>Therese:Mode and Therese:Team: one person on their own machine, or a whole team.</summary>
public sealed class TeamOptions
{
    public const string Section = "Therese:Team";

    public const string Personal = "personal";
    public const string Team = "team";

    /// <summary>From Therese:Mode: <see cref="Personal"/> (the default) or <see cref="Team"/>.</summary>
    public string Mode { get; set; } = Personal;

    public bool IsTeam => Mode == Team;

    /// <summary>The first admin, created at start when nobody exists yet.</summary>
    public string? AdminEmail { get; set; }
    public string? AdminPassword { get; set; }

    /// <summary>Messages a person may send per minute (rate limit, partitioned by person).</summary>
    public int MessagesPerMinute { get; set; } = 30;

    /// <summary>Failed sign-ins before a lockout, and how long it lasts.</summary>
    public int MaxFailedSignIns { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 15;
}
