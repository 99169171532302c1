using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of an escalated work order (<see cref="WorkOrderEscalated"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class WorkOrderEscalatedHandler(AlertRaiser alerts) : AlertEventHandler<WorkOrderEscalated>(alerts)
{
    /// <inheritdoc />
    protected override AlertFacts Read(WorkOrderEscalated @event) => AlertRules.From(@event);
}
