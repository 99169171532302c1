using Microsoft.AspNetCore.SignalR;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Api;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>Sends a raised alert (hub method <c>alert</c>) to the connections of this replica allowed to see it.</summary>
/// <param name="hub">The hub.</param>
public sealed class AlertRaisedHandler(IHubContext<OperationsHub> hub) : HubPushHandler<AlertRaised>(hub)
{
    /// <inheritdoc />
    protected override HubPush Read(AlertRaised @event)
    {
        var alert = @event.Alert ?? throw new InvalidEventException("alert: is required");
        return new(alert.Kind, alert.StationId, OperationsHub.AlertMethod, AlertMessage.From(alert));
    }
}
