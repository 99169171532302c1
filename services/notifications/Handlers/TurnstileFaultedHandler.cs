using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a malfunctioning turnstile (<see cref="TurnstileFaulted"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class TurnstileFaultedHandler(AlertRaiser alerts) : IEventHandler<TurnstileFaulted>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileFaulted @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        return alerts.RaiseAsync(AlertRules.From(@event), context.EventId, cancellationToken);
    }
}
