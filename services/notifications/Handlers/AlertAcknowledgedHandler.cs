using Microsoft.AspNetCore.SignalR;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Api;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Sends an acknowledgement (hub method <c>alertAcknowledged</c>) to the connections of this replica that saw the alert.</summary>
/// <param name="hub">The hub.</param>
public sealed class AlertAcknowledgedHandler(IHubContext<OperationsHub> hub) : HubPushHandler<AlertAcknowledged>(hub)
{
    /// <inheritdoc />
    protected override HubPush Read(AlertAcknowledged @event) => new(@event.Kind, @event.StationId, OperationsHub.AlertAcknowledgedMethod,
        new AlertAcknowledgedMessage(@event.AlertId, @event.AcknowledgedBy, @event.AcknowledgedAt.ToDateTimeOffset()));
}
