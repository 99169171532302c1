using Microsoft.AspNetCore.SignalR;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Api;
using Mtaeda.Notifications.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Sends a configuration's rendered notification (hub method <c>notification</c>) to the connections of this replica allowed to see its alert.</summary>
/// <param name="hub">The hub.</param>
public sealed class NotificationPushedHandler(IHubContext<OperationsHub> hub) : IEventHandler<NotificationPushed>
{
    /// <inheritdoc />
    public Task HandleAsync(NotificationPushed @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return hub.Clients.Groups(HubAccess.GroupsFor(@event.Kind, @event.StationId)).SendAsync(OperationsHub.NotificationMethod,
            new NotificationMessage(@event.DeliveryId, @event.ConfigurationId, @event.AlertId, @event.StationId, @event.Subject, @event.Body), cancellationToken);
    }
}
