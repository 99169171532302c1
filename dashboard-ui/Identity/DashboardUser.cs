using System.Security.Claims;

namespace Mtaeda.Dashboard.Identity;

/// <summary>The three roles of the dashboard (the <c>role</c> claim, and the hub's).</summary>
public static class Roles
{
    /// <summary>Everything: every station, every command.</summary>
    public const string Supervisor = "supervisor";

    /// <summary>Their own work orders: start and complete them; acknowledge alerts.</summary>
    public const string Technician = "technician";

    /// <summary>Read only: no command.</summary>
    public const string Viewer = "viewer";

    /// <summary>The roles, most powerful first.</summary>
    public static readonly IReadOnlyList<string> All = [Supervisor, Technician, Viewer];
}

/// <summary>The claim names the dashboard and the hub share (the contract of the notifications hub).</summary>
public static class DashboardClaims
{
    /// <summary>The user's id (a technician's id for a technician).</summary>
    public const string Subject = "sub";

    /// <summary>The display name.</summary>
    public const string Name = "name";

    /// <summary>One of <see cref="Roles"/>.</summary>
    public const string Role = "role";

    /// <summary>"*" or a comma-separated list of station ids.</summary>
    public const string Stations = "stations";

    /// <summary>In production, the access token for the hub that the OpenID Connect sign-in obtained.</summary>
    public const string HubAccessToken = "hub_access_token";
}

/// <summary>Who is signed in, read from the claims of the cookie (development sign-in or OpenID Connect).</summary>
/// <param name="Id">The subject.</param>
/// <param name="Name">The display name.</param>
/// <param name="Role">One of <see cref="Roles"/>; a user without a known role is a viewer.</param>
/// <param name="Stations">The stations the user may see: "*" for all.</param>
public sealed record DashboardUser(string Id, string Name, string Role, IReadOnlyList<string> Stations)
{
    /// <summary>Nobody: what a circuit without a signed-in user sees (nothing it may change).</summary>
    public static readonly DashboardUser Anonymous = new(string.Empty, string.Empty, Roles.Viewer, []);

    /// <summary>True for a supervisor.</summary>
    public bool IsSupervisor => Role == Roles.Supervisor;

    /// <summary>True for a technician.</summary>
    public bool IsTechnician => Role == Roles.Technician;

    /// <summary>True for a viewer (or a user without a known role).</summary>
    public bool IsViewer => Role == Roles.Viewer;

    /// <summary>Whether the user may see <paramref name="stationId"/>.</summary>
    /// <param name="stationId">A station id.</param>
    /// <returns>True when the user's stations include it.</returns>
    public bool Sees(string stationId) => Stations.Contains("*") || Stations.Contains(stationId);

    /// <summary>Reads the user from a principal. OpenID Connect providers name the role claim differently (Entra ID: <c>roles</c>).</summary>
    /// <param name="principal">The principal.</param>
    /// <param name="roleClaim">An extra claim type that carries roles.</param>
    /// <returns>The user, or <see cref="Anonymous"/> when not authenticated.</returns>
    public static DashboardUser From(ClaimsPrincipal principal, string roleClaim = "roles")
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true) return Anonymous;
        string? First(params string[] types) => types.Select(t => principal.FindFirst(t)?.Value).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        var id = First(DashboardClaims.Subject, ClaimTypes.NameIdentifier, "oid") ?? string.Empty;
        var name = First(DashboardClaims.Name, ClaimTypes.Name, "preferred_username") ?? id;
        var granted = principal.Claims
            .Where(c => c.Type == DashboardClaims.Role || c.Type == ClaimTypes.Role || c.Type == roleClaim)
            .Select(c => c.Value.Trim().ToLowerInvariant())
            .ToHashSet();
        var role = Roles.All.FirstOrDefault(granted.Contains) ?? Roles.Viewer;
        var stations = First(DashboardClaims.Stations) is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ["*"];
        return new DashboardUser(id, name, role, stations);
    }

    /// <summary>The claims of this user, as the development sign-in and the development issuer write them.</summary>
    /// <returns>sub, name, role and stations.</returns>
    public IEnumerable<Claim> Claims() =>
    [
        new(DashboardClaims.Subject, Id),
        new(DashboardClaims.Name, Name),
        new(DashboardClaims.Role, Role),
        new(DashboardClaims.Stations, string.Join(',', Stations)),
    ];
}
