using Google.Protobuf;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>
/// The one body of the handlers of events that raise an alert: the event's alert (<see cref="Read"/>, one of
/// <see cref="AlertRules"/>) is kept, pushed and delivered to the configurations told of it (<see cref="AlertRaiser"/>),
/// under an id derived from the event's, so a redelivered event repeats nothing.
/// </summary>
/// <typeparam name="TEvent">The event.</typeparam>
/// <param name="alerts">Raises alerts.</param>
public abstract class AlertEventHandler<TEvent>(AlertRaiser alerts) : IEventHandler<TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <inheritdoc />
    public Task HandleAsync(TEvent @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        return alerts.RaiseAsync(Read(@event), context.EventId, cancellationToken);
    }

    /// <summary>The event's alert.</summary>
    /// <param name="event">The event.</param>
    /// <returns>The alert's facts.</returns>
    /// <exception cref="InvalidEventException">The event lacks what the alert needs.</exception>
    protected abstract AlertFacts Read(TEvent @event);
}
