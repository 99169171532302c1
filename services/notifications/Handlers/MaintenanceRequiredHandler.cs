using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a maintenance request (<see cref="MaintenanceRequired"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class MaintenanceRequiredHandler(AlertRaiser alerts) : AlertEventHandler<MaintenanceRequired>(alerts)
{
    /// <inheritdoc />
    protected override AlertFacts Read(MaintenanceRequired @event) => AlertRules.From(@event);
}
