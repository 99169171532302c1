using Mtaeda.Contracts;
using Dapr.Actors;
using Dapr.Actors.Client;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Domain;

namespace Mtaeda.Stations.Handlers;

/// <summary>Tells a Station actor about equipment installed or removed there; shared by the equipment handlers.</summary>
/// <param name="actors">Proxies to the Station actors.</param>
/// <param name="logger">The logger.</param>
public sealed partial class EquipmentInventory(IActorProxyFactory actors, ILogger<EquipmentInventory> logger)
{
    /// <summary>Records the change, unless an id breaks the id convention (then the event is logged and dropped).</summary>
    /// <param name="eventType">The event, for the log.</param>
    /// <param name="stationId">The station.</param>
    /// <param name="change">The change.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public async Task RecordAsync(string eventType, string stationId, EquipmentChange change, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(stationId) || !Ids.IsValid(change.EquipmentId))
        {
            LogIgnored(eventType, stationId, change.EquipmentId);
            return;
        }

        await actors.Create(new ActorId(stationId), StationActor.TypeName)
            .InvokeMethodAsync(nameof(IStationActor.RecordEquipmentAsync), change, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a {EventType} event whose station id '{StationId}' or equipment id '{EquipmentId}' breaks the id convention")]
    private partial void LogIgnored(string eventType, string stationId, string equipmentId);
}
