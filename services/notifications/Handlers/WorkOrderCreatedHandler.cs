using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a new work order (<see cref="WorkOrderCreated"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class WorkOrderCreatedHandler(AlertRaiser alerts) : IEventHandler<WorkOrderCreated>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderCreated @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        return alerts.RaiseAsync(AlertRules.From(@event), context.EventId, cancellationToken);
    }
}
