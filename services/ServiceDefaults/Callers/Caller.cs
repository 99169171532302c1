using System.Security.Claims;

namespace Mtaeda.ServiceDefaults.Callers;

/// <summary>The roles of the operations users (the <c>role</c> claim).</summary>
public enum UserRole
{
    /// <summary>Station supervisor: everything.</summary>
    Supervisor,

    /// <summary>Technician: reads, and their own work orders.</summary>
    Technician,

    /// <summary>Viewer: reads only.</summary>
    Viewer,
}

/// <summary>The signed-in user a call is made for, read from a validated bearer token.</summary>
/// <param name="Id">The subject (<c>sub</c>): a technician's id for a technician.</param>
/// <param name="Name">The display name (<c>name</c>).</param>
/// <param name="Role">The role.</param>
/// <param name="Stations">The stations (<c>*</c> for every station).</param>
public sealed record CallingUser(string Id, string Name, UserRole Role, IReadOnlyList<string> Stations)
{
    /// <summary>The <c>stations</c> claim value for every station.</summary>
    public const string AllStations = "*";

    /// <summary>Whether the user works at <paramref name="stationId"/>.</summary>
    /// <param name="stationId">A station id.</param>
    /// <returns>True when the user's stations include it.</returns>
    public bool Sees(string stationId) => Stations.Contains(AllStations) || Stations.Contains(stationId);

    /// <summary>Reads a role claim (<c>supervisor</c>, <c>technician</c>, <c>viewer</c>).</summary>
    /// <param name="claim">The claim's value.</param>
    /// <param name="role">The role.</param>
    /// <returns>True when it names a role.</returns>
    public static bool TryParseRole(string? claim, out UserRole role)
    {
        switch (claim?.Trim().ToLowerInvariant())
        {
            case "supervisor": role = UserRole.Supervisor; return true;
            case "technician": role = UserRole.Technician; return true;
            case "viewer": role = UserRole.Viewer; return true;
            default: role = default; return false;
        }
    }

    /// <summary>The user of an authenticated principal; null when it has no subject, no known role or no station.</summary>
    /// <param name="principal">The principal.</param>
    /// <returns>The user, or null.</returns>
    public static CallingUser? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true) return null;
        var id = principal.FindFirst("sub")?.Value;
        if (string.IsNullOrWhiteSpace(id) || !TryParseRole(principal.FindFirst(UserTokens.RoleClaim)?.Value, out var role)) return null;
        var listed = (principal.FindFirst(UserTokens.StationsClaim)?.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        IReadOnlyList<string> stations = listed.Contains(AllStations) ? [AllStations] : [.. listed.Distinct(StringComparer.Ordinal)];
        if (stations.Count == 0) return null;
        return new CallingUser(id, principal.FindFirst("name")?.Value is { Length: > 0 } name ? name : id, role, stations);
    }
}

/// <summary>
/// Who made a call, as <see cref="CallerInterceptor"/> established it: a signed-in user (a validated bearer token), or a
/// service (no user: the Dapr app ids in <c>dapr-caller-app-id</c>). Read it in an RPC with <c>context.Caller()</c>.
/// </summary>
/// <param name="User">The user, or null for a service's call.</param>
/// <param name="Apps">The calling app ids the sidecar named.</param>
public sealed record Caller(CallingUser? User, IReadOnlyList<string> Apps)
{
    /// <summary>True for a service's call (no user).</summary>
    public bool IsService => User is null;

    /// <summary>Who, as a work order's or an audit trail's <c>by</c>: the user's id, else the calling app.</summary>
    public string Name => User?.Id ?? (Apps.Count > 0 ? Apps[^1] : "api");
}
