using Microsoft.AspNetCore.SignalR;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Api;
using Mtaeda.Notifications.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>
/// Sends a raised alert (hub method <c>alert</c>) to the connections of this replica allowed to see it (the groups of
/// <see cref="HubAccess.GroupsFor"/>). Every replica receives it (the fan-out's consumer id is per replica).
/// </summary>
/// <param name="hub">The hub.</param>
public sealed class AlertRaisedHandler(IHubContext<OperationsHub> hub) : IEventHandler<AlertRaised>
{
    /// <inheritdoc />
    public Task HandleAsync(AlertRaised @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var alert = @event.Alert ?? throw new InvalidEventException("alert: is required");
        return hub.Clients.Groups(HubAccess.GroupsFor(alert.Kind, alert.StationId)).SendAsync(OperationsHub.AlertMethod, AlertMessage.From(alert), cancellationToken);
    }
}
