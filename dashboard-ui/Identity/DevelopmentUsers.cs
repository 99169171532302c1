using System.Security.Cryptography;

namespace Mtaeda.Dashboard.Identity;

/// <summary>A development sign-in: a user name, its password for this run, and who it is.</summary>
/// <param name="UserName">What is typed on the sign-in page.</param>
/// <param name="Password">The password of this run.</param>
/// <param name="User">Who signs in.</param>
public sealed record DevelopmentSignIn(string UserName, string Password, DashboardUser User);

/// <summary>
/// The development users, made at start (Development only): a supervisor, a technician (technician id tech-003 of
/// scheduling's development technicians, who works at every station) and a viewer. Each password is new for every run,
/// unless <c>DASHBOARD_DEV_PASSWORD</c> (all three) or <c>DASHBOARD_DEV_PASSWORD_&lt;USER&gt;</c> gives it (tests do).
/// </summary>
public sealed class DevelopmentUsers
{
    private readonly Dictionary<string, DevelopmentSignIn> _users;

    /// <summary>Makes the three users.</summary>
    /// <param name="configuration">Where the passwords may be given.</param>
    public DevelopmentUsers(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string Password(string userName) =>
            configuration[$"DASHBOARD_DEV_PASSWORD_{userName.ToUpperInvariant()}"] is { Length: > 0 } own ? own
            : configuration["DASHBOARD_DEV_PASSWORD"] is { Length: > 0 } shared ? shared
            : RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyz23456789", 12);
        DevelopmentSignIn[] users =
        [
            new("supervisor", Password("supervisor"), new DashboardUser("sup-001", "Sam Supervisor", Roles.Supervisor, ["*"])),
            new("technician", Password("technician"), new DashboardUser("tech-003", "Chen Li", Roles.Technician, ["*"])),
            new("viewer", Password("viewer"), new DashboardUser("view-001", "Vic Viewer", Roles.Viewer, ["*"])),
        ];
        _users = users.ToDictionary(u => u.UserName, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>All three, supervisor first.</summary>
    public IReadOnlyCollection<DevelopmentSignIn> All => _users.Values;

    /// <summary>Checks a user name and password (in constant time for the password).</summary>
    /// <param name="userName">The user name.</param>
    /// <param name="password">The password.</param>
    /// <returns>The user, or null.</returns>
    public DashboardUser? Check(string? userName, string? password)
    {
        if (userName is null || password is null || !_users.TryGetValue(userName.Trim(), out var signIn)) return null;
        var given = System.Text.Encoding.UTF8.GetBytes(password);
        var expected = System.Text.Encoding.UTF8.GetBytes(signIn.Password);
        return CryptographicOperations.FixedTimeEquals(given, expected) ? signIn.User : null;
    }
}
