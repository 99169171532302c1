using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of an escalated work order (<see cref="WorkOrderEscalated"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class WorkOrderEscalatedHandler(AlertRaiser alerts) : IEventHandler<WorkOrderEscalated>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderEscalated @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        return alerts.RaiseAsync(AlertRules.From(@event), context.EventId, cancellationToken);
    }
}
