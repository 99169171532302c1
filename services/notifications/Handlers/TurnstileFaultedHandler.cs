using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a malfunctioning turnstile (<see cref="TurnstileFaulted"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class TurnstileFaultedHandler(AlertRaiser alerts) : AlertEventHandler<TurnstileFaulted>(alerts)
{
    /// <inheritdoc />
    protected override AlertFacts Read(TurnstileFaulted @event) => AlertRules.From(@event);
}
