using Mtaeda.ServiceDefaults.Paging;

namespace Mtaeda.Scheduling.Domain;

/// <summary>Which work orders a query asks for; unset criteria match everything.</summary>
/// <param name="Status">Only this status (<see cref="WorkOrderStatus.Unspecified"/>: any).</param>
/// <param name="StationId">Only this station (empty: any).</param>
/// <param name="TechnicianId">Only this technician (empty: any).</param>
/// <param name="Priority">Only this priority (<see cref="MaintenancePriority.Unspecified"/>: any).</param>
/// <param name="OpenOnly">Only created, assigned or started orders.</param>
/// <param name="LateOnly">Only open orders past their due time.</param>
public sealed record WorkOrderFilter(WorkOrderStatus Status, string StationId, string TechnicianId, MaintenancePriority Priority, bool OpenOnly, bool LateOnly)
{
    /// <summary>Whether <paramref name="order"/> matches at <paramref name="now"/>.</summary>
    /// <param name="order">The order.</param>
    /// <param name="now">The time lateness is judged at.</param>
    /// <returns>True when it matches.</returns>
    public bool Matches(WorkOrderState order, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.Exists
            && (Status == WorkOrderStatus.Unspecified || order.Status == Status)
            && (StationId.Length == 0 || order.StationId == StationId)
            && (TechnicianId.Length == 0 || order.TechnicianId == TechnicianId)
            && (Priority == MaintenancePriority.Unspecified || order.Priority == Priority)
            && (!OpenOnly || order.IsOpen)
            && (!LateOnly || order.IsLateAt(now));
    }

    /// <summary>The matching orders, most urgent first, then oldest first, then by id.</summary>
    /// <param name="orders">The orders.</param>
    /// <param name="now">The time lateness is judged at.</param>
    /// <returns>The matches, ordered.</returns>
    public IReadOnlyList<WorkOrderState> Apply(IEnumerable<WorkOrderState> orders, DateTimeOffset now) =>
        [.. orders.Where(o => Matches(o, now))
            .OrderByDescending(o => o.Priority)
            .ThenBy(o => o.CreatedAt)
            .ThenBy(o => o.WorkOrderId, StringComparer.Ordinal)];

    /// <summary>Where an order stands in <see cref="Apply"/>'s order, for paging: most urgent first, then oldest first, then by id.</summary>
    /// <param name="order">The order.</param>
    /// <returns>Its place.</returns>
    public static PageKey PageKeyOf(WorkOrderState order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new PageKey(-(long)order.Priority, order.CreatedAt?.UtcTicks ?? long.MinValue, order.WorkOrderId);
    }
}
