using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Actors;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Handlers;

/// <summary>
/// A station was taken offline: its turnstiles refuse passages (STATION_OFFLINE, which the gateway holds and forwards
/// again later) and it gets no new turnstile until it is opened. The station's equipment actor notes it and tells each
/// turnstile; a change older than the one it already noted is ignored, so a redelivered or late event changes nothing.
/// </summary>
/// <param name="actors">The actor proxies.</param>
/// <param name="logger">The logger.</param>
public sealed partial class StationTakenOfflineHandler(EquipmentActors actors, ILogger<StationTakenOfflineHandler> logger) : IEventHandler<StationTakenOffline>
{
    /// <inheritdoc />
    public async Task HandleAsync(StationTakenOffline offline, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offline);
        await StationChange.NoteAvailabilityAsync(actors, offline.StationId, StationStatus.Offline, offline.TakenOfflineAt, "taken_offline_at");
        LogOffline(offline.StationId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Station {StationId} is offline: its turnstiles refuse passages until it is opened")]
    private partial void LogOffline(string stationId);
}

/// <summary>
/// A station was opened (after being offline or closed): its turnstiles count passages again and it accepts installs.
/// Ordered against <see cref="StationTakenOfflineHandler"/> and <see cref="StationClosedHandler"/> by the events' times,
/// not by their delivery.
/// </summary>
/// <param name="actors">The actor proxies.</param>
/// <param name="logger">The logger.</param>
public sealed partial class StationOpenedHandler(EquipmentActors actors, ILogger<StationOpenedHandler> logger) : IEventHandler<StationOpened>
{
    /// <inheritdoc />
    public async Task HandleAsync(StationOpened opened, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(opened);
        await StationChange.NoteAvailabilityAsync(actors, opened.StationId, StationStatus.Active, opened.OpenedAt, "opened_at");
        LogOpened(opened.StationId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Station {StationId} is open: its turnstiles count passages")]
    private partial void LogOpened(string stationId);
}

// What the station handlers check first, and what the availability handlers then do.
internal static class StationChange
{
    // A valid station id and the time of the change, or the event is invalid.
    public static DateTimeOffset Checked(string stationId, Timestamp? at, string timeField)
    {
        if (!Ids.IsValid(stationId)) throw new InvalidEventException($"station_id {Ids.Rule}");
        if (at is null) throw new InvalidEventException($"{timeField} is required");
        return at.ToDateTimeOffset();
    }

    // Lets the station's equipment actor note the change and tell its turnstiles.
    public static Task NoteAvailabilityAsync(EquipmentActors actors, string stationId, StationStatus status, Timestamp? at, string timeField)
    {
        var changedAt = Checked(stationId, at, timeField);
        return actors.Station(stationId).StationAvailabilityChangedAsync(new StationAvailability { Status = status, At = changedAt });
    }
}
