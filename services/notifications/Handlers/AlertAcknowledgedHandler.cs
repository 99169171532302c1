using Microsoft.AspNetCore.SignalR;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Api;
using Mtaeda.Notifications.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Sends an acknowledgement (hub method <c>alertAcknowledged</c>) to the connections of this replica that saw the alert.</summary>
/// <param name="hub">The hub.</param>
public sealed class AlertAcknowledgedHandler(IHubContext<OperationsHub> hub) : IEventHandler<AlertAcknowledged>
{
    /// <inheritdoc />
    public Task HandleAsync(AlertAcknowledged @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return hub.Clients.Groups(HubAccess.GroupsFor(@event.Kind, @event.StationId)).SendAsync(OperationsHub.AlertAcknowledgedMethod,
            new AlertAcknowledgedMessage(@event.AlertId, @event.AcknowledgedBy, @event.AcknowledgedAt.ToDateTimeOffset()), cancellationToken);
    }
}
