using Google.Protobuf;
using Microsoft.AspNetCore.SignalR;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Api;
using Mtaeda.Notifications.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>
/// The one body of the hub's fan-out handlers: a push received by this replica is sent to the connections it holds that
/// may see it (the groups of <see cref="HubAccess.GroupsFor"/>). Every replica receives each push (the fan-out's consumer
/// id is per replica). A handler says only what the push is (<see cref="Read"/>).
/// </summary>
/// <typeparam name="TEvent">The push, as published on the fan-out.</typeparam>
/// <param name="hub">The hub.</param>
public abstract class HubPushHandler<TEvent>(IHubContext<OperationsHub> hub) : IEventHandler<TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <inheritdoc />
    public Task HandleAsync(TEvent @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var push = Read(@event);
        return hub.Clients.Groups(HubAccess.GroupsFor(push.Kind, push.StationId)).SendAsync(push.Method, push.Message, cancellationToken);
    }

    /// <summary>Who may see the push, and what the hub sends.</summary>
    /// <param name="event">The push.</param>
    /// <returns>The alert's kind and station, the hub method and its message.</returns>
    /// <exception cref="InvalidEventException">The push lacks what the message needs.</exception>
    protected abstract HubPush Read(TEvent @event);
}

/// <summary>What the hub sends for a push, and to whom.</summary>
/// <param name="Kind">The kind of the alert it tells of (which roles may see it).</param>
/// <param name="StationId">The alert's station (which connections of those roles may see it).</param>
/// <param name="Method">The hub method (<see cref="OperationsHub.AlertMethod"/>, ...).</param>
/// <param name="Message">The method's argument.</param>
public readonly record struct HubPush(NotificationEventKind Kind, string StationId, string Method, object Message);
