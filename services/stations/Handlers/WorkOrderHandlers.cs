using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Stations.Domain;
using Mtaeda.Stations.Infrastructure;
using static Mtaeda.Stations.Infrastructure.StationInventory;

namespace Mtaeda.Stations.Handlers;

/// <summary>A work order of the station was created: its history gains it (<see cref="WorkOrderCreated"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderCreatedHandler(StationWorkOrders history) : StationEventHandler<WorkOrderCreated, WorkOrderStep>(history)
{
    /// <inheritdoc />
    protected override (string StationId, WorkOrderStep Entry) Read(WorkOrderCreated @event) =>
        (@event.StationId, new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Created, TimeOf(@event.CreatedAt, "created_at"), string.Empty, @event.DeviceId, @event.Priority));
}

/// <summary>A work order of the station was assigned (<see cref="WorkOrderAssigned"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderAssignedHandler(StationWorkOrders history) : StationEventHandler<WorkOrderAssigned, WorkOrderStep>(history)
{
    /// <inheritdoc />
    protected override (string StationId, WorkOrderStep Entry) Read(WorkOrderAssigned @event) =>
        (@event.StationId, new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Assigned, TimeOf(@event.AssignedAt, "assigned_at"), @event.TechnicianId, @event.DeviceId, MaintenancePriority.Unspecified));
}

/// <summary>Work on a work order of the station started (<see cref="WorkOrderStarted"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderStartedHandler(StationWorkOrders history) : StationEventHandler<WorkOrderStarted, WorkOrderStep>(history)
{
    /// <inheritdoc />
    protected override (string StationId, WorkOrderStep Entry) Read(WorkOrderStarted @event) =>
        (@event.StationId, new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Started, TimeOf(@event.StartedAt, "started_at"), @event.TechnicianId, @event.DeviceId, MaintenancePriority.Unspecified));
}

/// <summary>A work order of the station was completed (<see cref="WorkOrderCompleted"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderCompletedHandler(StationWorkOrders history) : StationEventHandler<WorkOrderCompleted, WorkOrderStep>(history)
{
    /// <inheritdoc />
    protected override (string StationId, WorkOrderStep Entry) Read(WorkOrderCompleted @event) =>
        (@event.StationId, new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Completed, TimeOf(@event.CompletedAt, "completed_at"), @event.TechnicianId, @event.DeviceId, MaintenancePriority.Unspecified));
}

/// <summary>A work order of the station was cancelled (<see cref="WorkOrderCancelled"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderCancelledHandler(StationWorkOrders history) : StationEventHandler<WorkOrderCancelled, WorkOrderStep>(history)
{
    /// <inheritdoc />
    protected override (string StationId, WorkOrderStep Entry) Read(WorkOrderCancelled @event) =>
        (@event.StationId, new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Cancelled, TimeOf(@event.CancelledAt, "cancelled_at"), string.Empty, @event.DeviceId, MaintenancePriority.Unspecified));
}
