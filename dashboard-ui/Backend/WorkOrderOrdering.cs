using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Dashboard.Backend;

/// <summary>How the dashboard orders and judges work orders.</summary>
public static class WorkOrderOrdering
{
    /// <summary>Highest priority first, then the earliest due, then by id.</summary>
    /// <param name="orders">The work orders.</param>
    /// <returns>The same, ordered.</returns>
    public static IEnumerable<WorkOrder> ByPriority(IEnumerable<WorkOrder> orders) =>
        orders.OrderByDescending(o => o.Priority)
            .ThenBy(o => o.DueAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue)
            .ThenBy(o => o.WorkOrderId, StringComparer.Ordinal);

    /// <summary>Whether an open work order is past its due time.</summary>
    /// <param name="order">The work order.</param>
    /// <param name="now">Now.</param>
    /// <returns>True when late.</returns>
    public static bool IsLate(WorkOrder order, DateTimeOffset now) =>
        order.Status is WorkOrderStatus.Created or WorkOrderStatus.Assigned or WorkOrderStatus.Started
        && order.DueAt is { } due && due.ToDateTimeOffset() < now;
}
