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
        if (!Ids.IsValid(offline.StationId)) throw new InvalidEventException($"station_id {Ids.Rule}");
        if (offline.TakenOfflineAt is null) throw new InvalidEventException("taken_offline_at is required");
        await actors.Station(offline.StationId).StationAvailabilityChangedAsync(new StationAvailability
        {
            Status = StationStatus.Offline,
            At = offline.TakenOfflineAt.ToDateTimeOffset(),
        });
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
        if (!Ids.IsValid(opened.StationId)) throw new InvalidEventException($"station_id {Ids.Rule}");
        if (opened.OpenedAt is null) throw new InvalidEventException("opened_at is required");
        await actors.Station(opened.StationId).StationAvailabilityChangedAsync(new StationAvailability
        {
            Status = StationStatus.Active,
            At = opened.OpenedAt.ToDateTimeOffset(),
        });
        LogOpened(opened.StationId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Station {StationId} is open: its turnstiles count passages")]
    private partial void LogOpened(string stationId);
}
