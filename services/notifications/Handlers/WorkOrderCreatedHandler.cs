using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a new work order (<see cref="WorkOrderCreated"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class WorkOrderCreatedHandler(AlertRaiser alerts) : AlertEventHandler<WorkOrderCreated>(alerts)
{
    /// <inheritdoc />
    protected override AlertFacts Read(WorkOrderCreated @event) => AlertRules.From(@event);
}
