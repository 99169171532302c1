using Google.Protobuf;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Stations.Handlers;

/// <summary>Handles one integration event type; runs at most once per CloudEvent id (see <c>MapIntegrationEvent</c>).</summary>
/// <typeparam name="TEvent">The event.</typeparam>
public interface IEventHandler<in TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <summary>Handles the event.</summary>
    /// <param name="event">The event.</param>
    /// <param name="context">Its id and source.</param>
    /// <param name="cancellationToken">Cancels the handling (the delivery was aborted).</param>
    /// <returns>A task; an exception makes Dapr deliver the event again.</returns>
    Task HandleAsync(TEvent @event, IntegrationEventContext context, CancellationToken cancellationToken);
}
