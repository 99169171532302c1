using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Raises the alert of a locked or jammed turnstile (<see cref="TurnstileLocked"/>), pushes it and notifies the configurations told of it.</summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class TurnstileLockedHandler(AlertRaiser alerts) : AlertEventHandler<TurnstileLocked>(alerts)
{
    /// <inheritdoc />
    protected override AlertFacts Read(TurnstileLocked @event) => AlertRules.From(@event);
}
