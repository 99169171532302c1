using System.Collections.Frozen;
using Mtaeda.Contracts.Notifications.V1;

namespace Mtaeda.Notifications.Domain;

/// <summary>The roles of the dashboard's users (the <c>role</c> claim).</summary>
public enum HubRole
{
    /// <summary>Station supervisor: everything, watch-list matches included (no other role receives those).</summary>
    Supervisor,

    /// <summary>Technician: faults, locks, maintenance and the work orders (not escalations, which are the supervisors' to act on).</summary>
    Technician,

    /// <summary>Viewer (read only): what is out of service and what is back.</summary>
    Viewer,
}

/// <summary>
/// Who receives which pushes of the operations hub: a user receives an alert only for the stations of their
/// <c>stations</c> claim (<c>*</c> for all) and the kinds their role allows (<see cref="KindsOf"/>). Both are applied by the
/// groups a connection joins (<see cref="GroupsOf"/>) and an alert is sent to (<see cref="GroupsFor"/>): one group per role
/// and station, so a push reaches exactly the connections allowed to see it.
/// </summary>
public static class HubAccess
{
    /// <summary>The <c>stations</c> claim value for every station.</summary>
    public const string AllStations = "*";

    private static readonly FrozenDictionary<HubRole, FrozenSet<NotificationEventKind>> Kinds = new Dictionary<HubRole, FrozenSet<NotificationEventKind>>
    {
        [HubRole.Supervisor] = FrozenSet.Create(
            NotificationEventKind.TurnstileFaulted, NotificationEventKind.TurnstileLocked, NotificationEventKind.MaintenanceRequired,
            NotificationEventKind.WorkOrderCreated, NotificationEventKind.WorkOrderEscalated, NotificationEventKind.WorkOrderCompleted,
            NotificationEventKind.OffenderIdentified),
        [HubRole.Technician] = FrozenSet.Create(
            NotificationEventKind.TurnstileFaulted, NotificationEventKind.TurnstileLocked, NotificationEventKind.MaintenanceRequired,
            NotificationEventKind.WorkOrderCreated, NotificationEventKind.WorkOrderCompleted),
        [HubRole.Viewer] = FrozenSet.Create(
            NotificationEventKind.TurnstileFaulted, NotificationEventKind.TurnstileLocked, NotificationEventKind.WorkOrderCompleted),
    }.ToFrozenDictionary();

    /// <summary>Reads the <c>role</c> claim (<c>supervisor</c>, <c>technician</c>, <c>viewer</c>).</summary>
    /// <param name="claim">The claim's value.</param>
    /// <param name="role">The role.</param>
    /// <returns>True when it names a role.</returns>
    public static bool TryParseRole(string? claim, out HubRole role)
    {
        // The one reading of the role claim (the APIs' too); the hub's roles are the same three, in the same order.
        var known = Mtaeda.ServiceDefaults.Callers.CallingUser.TryParseRole(claim, out var user);
        role = (HubRole)(int)user;
        return known;
    }

    /// <summary>Reads the <c>stations</c> claim: <c>*</c>, or station ids separated by commas.</summary>
    /// <param name="claim">The claim's value.</param>
    /// <returns>The station ids, or <c>[*]</c>; empty when none.</returns>
    public static IReadOnlyList<string> StationsOf(string? claim)
    {
        var stations = (claim ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return stations.Contains(AllStations) ? [AllStations] : [.. stations.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The kinds of alert a role receives.</summary>
    /// <param name="role">The role.</param>
    /// <returns>The kinds.</returns>
    public static IReadOnlySet<NotificationEventKind> KindsOf(HubRole role) => Kinds[role];

    /// <summary>Whether a user of <paramref name="role"/> with <paramref name="stations"/> receives an alert.</summary>
    /// <param name="role">The user's role.</param>
    /// <param name="stations">The user's stations (<see cref="StationsOf"/>).</param>
    /// <param name="kind">The alert's kind.</param>
    /// <param name="stationId">The alert's station.</param>
    /// <returns>True when the user may see it.</returns>
    public static bool Allows(HubRole role, IReadOnlyList<string> stations, NotificationEventKind kind, string stationId) =>
        KindsOf(role).Contains(kind) && (stations.Contains(AllStations) || stations.Contains(stationId));

    /// <summary>The groups a connection joins.</summary>
    /// <param name="role">The user's role.</param>
    /// <param name="stations">The user's stations (<see cref="StationsOf"/>).</param>
    /// <returns>The group names.</returns>
    public static IReadOnlyList<string> GroupsOf(HubRole role, IReadOnlyList<string> stations) => [.. stations.Select(s => Group(role, s))];

    /// <summary>The groups an alert of <paramref name="kind"/> at <paramref name="stationId"/> is sent to.</summary>
    /// <param name="kind">The alert's kind.</param>
    /// <param name="stationId">The alert's station.</param>
    /// <returns>The group names.</returns>
    public static IReadOnlyList<string> GroupsFor(NotificationEventKind kind, string stationId) =>
        [.. Kinds.Where(r => r.Value.Contains(kind)).OrderBy(r => r.Key).SelectMany(r => new[] { Group(r.Key, stationId), Group(r.Key, AllStations) })];

    private static string Group(HubRole role, string station) => $"{role.ToString().ToLowerInvariant()}|{station}";
}
