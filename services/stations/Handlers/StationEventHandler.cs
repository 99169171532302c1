using Google.Protobuf;
using Mtaeda.Contracts;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Infrastructure;

namespace Mtaeda.Stations.Handlers;

/// <summary>
/// The one body of stations' handlers: an event of another service becomes one entry for the Station actor of the
/// station it names. A handler says only what that entry is (<see cref="Read"/>).
/// </summary>
/// <typeparam name="TEvent">The event.</typeparam>
/// <typeparam name="TEntry">What the station records of it.</typeparam>
/// <param name="station">Where the entry goes.</param>
public abstract class StationEventHandler<TEvent, TEntry>(IStationRecorder<TEntry> station) : IEventHandler<TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <inheritdoc />
    public Task HandleAsync(TEvent @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var (stationId, entry) = Read(@event);
        return station.RecordAsync(EventType.Of<TEvent>(), stationId, entry, cancellationToken);
    }

    /// <summary>The station the event names and what it records of it.</summary>
    /// <param name="event">The event.</param>
    /// <returns>The station id and the entry.</returns>
    /// <exception cref="InvalidEventException">The event lacks what the entry needs.</exception>
    protected abstract (string StationId, TEntry Entry) Read(TEvent @event);
}
