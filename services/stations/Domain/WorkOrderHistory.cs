using System.Runtime.Serialization;
using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Stations.Domain;

/// <summary>One transition of a work order, as a scheduling event tells it.</summary>
/// <param name="WorkOrderId">The work order.</param>
/// <param name="Status">The status it moved to.</param>
/// <param name="At">When (the event's own time).</param>
/// <param name="TechnicianId">The technician assigned or working; empty otherwise.</param>
/// <param name="DeviceId">The device, when the event names it.</param>
/// <param name="Priority">The priority, when the event carries it (WorkOrderCreated).</param>
[DataContract]
public sealed record WorkOrderStep(
    [property: DataMember(Order = 1)] string WorkOrderId,
    [property: DataMember(Order = 2)] WorkOrderStatus Status,
    [property: DataMember(Order = 3)] DateTimeOffset At,
    [property: DataMember(Order = 4)] string TechnicianId,
    [property: DataMember(Order = 5)] string DeviceId,
    [property: DataMember(Order = 6)] MaintenancePriority Priority);

/// <summary>A transition as the history keeps it.</summary>
[DataContract]
public sealed class WorkOrderTransitionState
{
    /// <summary>The status it moved to.</summary>
    [DataMember(Order = 1)] public WorkOrderStatus Status { get; set; }

    /// <summary>When.</summary>
    [DataMember(Order = 2)] public DateTimeOffset At { get; set; }

    /// <summary>The technician, or empty.</summary>
    [DataMember(Order = 3)] public string TechnicianId { get; set; } = string.Empty;
}

/// <summary>A work order of the station, as its events told it.</summary>
[DataContract]
public sealed class StationWorkOrderState
{
    /// <summary>The work order.</summary>
    [DataMember(Order = 1)] public string WorkOrderId { get; set; } = string.Empty;

    /// <summary>The device; empty until WorkOrderCreated arrived.</summary>
    [DataMember(Order = 2)] public string DeviceId { get; set; } = string.Empty;

    /// <summary>The priority; unspecified until WorkOrderCreated arrived.</summary>
    [DataMember(Order = 3)] public MaintenancePriority Priority { get; set; }

    /// <summary>When it was created, or the earliest transition known until WorkOrderCreated arrived.</summary>
    [DataMember(Order = 4)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Its transitions, in time order.</summary>
    [DataMember(Order = 5)] public List<WorkOrderTransitionState> Transitions { get; set; } = [];

    /// <summary>The status of the latest transition (by time; at equal times, the later in the life cycle).</summary>
    public WorkOrderStatus Status => Transitions.Count == 0 ? WorkOrderStatus.Unspecified : Transitions[^1].Status;

    /// <summary>The technician of the latest assignment, or empty.</summary>
    public string TechnicianId => Transitions.LastOrDefault(t => t.Status == WorkOrderStatus.Assigned)?.TechnicianId ?? string.Empty;
}

/// <summary>
/// A station's work-order history, a read model of scheduling's work-order events: the most recent
/// <see cref="Capacity"/> work orders, newest first, each with its transitions in time order. Events may arrive late,
/// twice or in any order (pub/sub delivers at least once and, on Redis, in no order): a transition already recorded
/// changes nothing, a late one takes its place by time without rolling the status back, and an order older than every
/// kept one once the history is full is not brought back.
/// </summary>
public static class WorkOrderHistory
{
    /// <summary>How many work orders a station keeps.</summary>
    public const int Capacity = 100;

    /// <summary>Records a transition.</summary>
    /// <param name="orders">The history (changed in place), newest first.</param>
    /// <param name="step">The transition.</param>
    /// <returns>True when the history changed.</returns>
    public static bool Record(List<StationWorkOrderState> orders, WorkOrderStep step)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(step);
        var order = orders.Find(o => o.WorkOrderId == step.WorkOrderId);
        if (order is null)
        {
            if (orders.Count >= Capacity && step.At < orders[^1].CreatedAt) return false;
            order = new StationWorkOrderState { WorkOrderId = step.WorkOrderId, CreatedAt = step.At };
            orders.Add(order);
        }

        if (order.Transitions.Exists(t => t.Status == step.Status && t.At == step.At && t.TechnicianId == step.TechnicianId)) return false;
        order.Transitions.Add(new WorkOrderTransitionState { Status = step.Status, At = step.At, TechnicianId = step.TechnicianId });
        order.Transitions.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Status.CompareTo(b.Status));
        if (step.DeviceId.Length > 0) order.DeviceId = step.DeviceId;
        if (step.Priority != MaintenancePriority.Unspecified) order.Priority = step.Priority;
        if (step.Status == WorkOrderStatus.Created || step.At < order.CreatedAt) order.CreatedAt = step.At;
        orders.Sort((a, b) => b.CreatedAt != a.CreatedAt ? b.CreatedAt.CompareTo(a.CreatedAt) : string.CompareOrdinal(a.WorkOrderId, b.WorkOrderId));
        if (orders.Count > Capacity) orders.RemoveRange(Capacity, orders.Count - Capacity);
        return true;
    }
}
