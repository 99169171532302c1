using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Dashboard.Identity;

/// <summary>The commands on a work order.</summary>
public enum WorkOrderAction
{
    /// <summary>Assign to a technician.</summary>
    Assign,

    /// <summary>Start the work.</summary>
    Start,

    /// <summary>Complete it, with notes.</summary>
    Complete,

    /// <summary>Cancel it, with a reason.</summary>
    Cancel,
}

/// <summary>
/// Who may do what. The rule lives in the dashboard's server: the pages hide what a user may not do, and every command
/// goes through <see cref="Backend.Commands"/>, which checks the same rule again before it calls a service, so a viewer's
/// command is refused even when the page is bypassed, with a message for people. The services enforce the same rule
/// themselves on the user's token the dashboard forwards with every call (ADR 0009), so a caller that bypasses the dashboard
/// is refused as well.
/// </summary>
public static class Permissions
{
    /// <summary>Whether <paramref name="user"/> may do <paramref name="action"/> on <paramref name="order"/>.</summary>
    /// <param name="user">The signed-in user.</param>
    /// <param name="action">The command.</param>
    /// <param name="order">The work order as last read.</param>
    /// <returns>Null when allowed; otherwise why not.</returns>
    public static string? Refusal(DashboardUser user, WorkOrderAction action, WorkOrder order)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(order);
        if (!user.Sees(order.StationId)) return $"{user.Name} does not work at station {order.StationId}";
        return user.Role switch
        {
            Roles.Supervisor => null,
            Roles.Technician when action is WorkOrderAction.Start or WorkOrderAction.Complete =>
                order.TechnicianId == user.Id ? null : "a technician works only on the work orders assigned to them",
            Roles.Technician => "only a supervisor assigns or cancels a work order",
            _ => "a viewer cannot change anything",
        };
    }

    /// <summary>Whether <paramref name="user"/> may acknowledge alerts.</summary>
    /// <param name="user">The signed-in user.</param>
    /// <returns>Null when allowed; otherwise why not.</returns>
    public static string? AcknowledgeRefusal(DashboardUser user) =>
        user.IsViewer ? "a viewer cannot acknowledge alerts" : null;

    /// <summary>Whether <paramref name="user"/> may change notification configurations.</summary>
    /// <param name="user">The signed-in user.</param>
    /// <returns>Null when allowed; otherwise why not.</returns>
    public static string? ConfigurationRefusal(DashboardUser user) =>
        user.IsSupervisor ? null : "only a supervisor changes notification configurations";

    /// <summary>
    /// Whether <paramref name="user"/> sees an alert of this kind: a watch-list match only a supervisor (as the hub pushes
    /// it to supervisors only); every other kind as the hub sends it.
    /// </summary>
    /// <param name="user">The signed-in user.</param>
    /// <param name="alert">The alert.</param>
    /// <returns>True when shown.</returns>
    public static bool SeesAlert(DashboardUser user, Alerts.AlertMessage alert)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(alert);
        return user.Sees(alert.StationId) && (!alert.IsWatchListMatch || user.IsSupervisor);
    }

    /// <summary>Why <paramref name="user"/> may not see the image crop of a watch-list match (only a supervisor may), or null.</summary>
    /// <param name="user">The signed-in user.</param>
    /// <returns>The refusal, or null.</returns>
    public static string? CropRefusal(DashboardUser user) =>
        user.IsSupervisor ? null : "only a supervisor sees the image of a watch-list match";
}
