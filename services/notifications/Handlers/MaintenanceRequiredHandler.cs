using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a maintenance request (<see cref="MaintenanceRequired"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class MaintenanceRequiredHandler(AlertRaiser alerts) : IEventHandler<MaintenanceRequired>
{
    /// <inheritdoc />
    public Task HandleAsync(MaintenanceRequired @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        return alerts.RaiseAsync(AlertRules.From(@event), context.EventId, cancellationToken);
    }
}
