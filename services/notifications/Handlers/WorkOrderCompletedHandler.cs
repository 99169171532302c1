using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a completed work order (<see cref="WorkOrderCompleted"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class WorkOrderCompletedHandler(AlertRaiser alerts) : AlertEventHandler<WorkOrderCompleted>(alerts)
{
    /// <inheritdoc />
    protected override AlertFacts Read(WorkOrderCompleted @event) => AlertRules.From(@event);
}
