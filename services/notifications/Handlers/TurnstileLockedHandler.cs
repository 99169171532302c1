using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a locked or jammed turnstile (<see cref="TurnstileLocked"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class TurnstileLockedHandler(AlertRaiser alerts) : IEventHandler<TurnstileLocked>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileLocked @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        return alerts.RaiseAsync(AlertRules.From(@event), context.EventId, cancellationToken);
    }
}
