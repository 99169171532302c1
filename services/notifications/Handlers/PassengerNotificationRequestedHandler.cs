using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>
/// Delivers a message of passengers to the passenger (<see cref="PassengerNotificationRequested"/>: a loyalty programme, a
/// consent or a top-up outcome) by e-mail, its Message-Id the notification's id on every attempt. A failed send is retried
/// by the delivery (the pub/sub's resiliency policy), then goes to the subscription's dead-letter topic.
/// </summary>
/// <param name="email">The e-mail channel.</param>
public sealed class PassengerNotificationRequestedHandler(EmailSender email) : IEventHandler<PassengerNotificationRequested>
{
    /// <inheritdoc />
    public Task HandleAsync(PassengerNotificationRequested @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event.Email.Length == 0 || @event.NotificationId.Length == 0) throw new InvalidEventException("PassengerNotificationRequested without an e-mail address or a notification id");
        return email.SendAsync([@event.Email], @event.Subject, @event.Body, @event.NotificationId, cancellationToken);
    }
}
