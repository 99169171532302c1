using Microsoft.AspNetCore.SignalR;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Api;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Sends a configuration's rendered notification (hub method <c>notification</c>) to the connections of this replica allowed to see its alert.</summary>
/// <param name="hub">The hub.</param>
public sealed class NotificationPushedHandler(IHubContext<OperationsHub> hub) : HubPushHandler<NotificationPushed>(hub)
{
    /// <inheritdoc />
    protected override HubPush Read(NotificationPushed @event) => new(@event.Kind, @event.StationId, OperationsHub.NotificationMethod,
        new NotificationMessage(@event.DeliveryId, @event.ConfigurationId, @event.AlertId, @event.StationId, @event.Subject, @event.Body));
}
