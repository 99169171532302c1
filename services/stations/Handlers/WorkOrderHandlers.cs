using Mtaeda.Contracts;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Domain;
using Mtaeda.Stations.Infrastructure;
using static Mtaeda.Stations.Infrastructure.StationInventory;

namespace Mtaeda.Stations.Handlers;

/// <summary>A work order of the station was created: its history gains it (<see cref="WorkOrderCreated"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderCreatedHandler(StationWorkOrders history) : IEventHandler<WorkOrderCreated>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderCreated @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return history.RecordAsync(EventType.Of<WorkOrderCreated>(), @event.StationId,
            new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Created, TimeOf(@event.CreatedAt, "created_at"), string.Empty, @event.DeviceId, @event.Priority), cancellationToken);
    }
}

/// <summary>A work order of the station was assigned (<see cref="WorkOrderAssigned"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderAssignedHandler(StationWorkOrders history) : IEventHandler<WorkOrderAssigned>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderAssigned @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return history.RecordAsync(EventType.Of<WorkOrderAssigned>(), @event.StationId,
            new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Assigned, TimeOf(@event.AssignedAt, "assigned_at"), @event.TechnicianId, @event.DeviceId, MaintenancePriority.Unspecified), cancellationToken);
    }
}

/// <summary>Work on a work order of the station started (<see cref="WorkOrderStarted"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderStartedHandler(StationWorkOrders history) : IEventHandler<WorkOrderStarted>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderStarted @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return history.RecordAsync(EventType.Of<WorkOrderStarted>(), @event.StationId,
            new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Started, TimeOf(@event.StartedAt, "started_at"), @event.TechnicianId, @event.DeviceId, MaintenancePriority.Unspecified), cancellationToken);
    }
}

/// <summary>A work order of the station was completed (<see cref="WorkOrderCompleted"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderCompletedHandler(StationWorkOrders history) : IEventHandler<WorkOrderCompleted>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderCompleted @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return history.RecordAsync(EventType.Of<WorkOrderCompleted>(), @event.StationId,
            new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Completed, TimeOf(@event.CompletedAt, "completed_at"), @event.TechnicianId, @event.DeviceId, MaintenancePriority.Unspecified), cancellationToken);
    }
}

/// <summary>A work order of the station was cancelled (<see cref="WorkOrderCancelled"/>).</summary>
/// <param name="history">The history updater.</param>
public sealed class WorkOrderCancelledHandler(StationWorkOrders history) : IEventHandler<WorkOrderCancelled>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderCancelled @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return history.RecordAsync(EventType.Of<WorkOrderCancelled>(), @event.StationId,
            new WorkOrderStep(@event.WorkOrderId, WorkOrderStatus.Cancelled, TimeOf(@event.CancelledAt, "cancelled_at"), string.Empty, @event.DeviceId, MaintenancePriority.Unspecified), cancellationToken);
    }
}
