using Dapr.Actors;
using Dapr.Actors.Client;
using Mtaeda.Contracts;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Domain;

namespace Mtaeda.Stations.Infrastructure;

/// <summary>Tells a Station actor about a transition of one of its work orders; shared by the work-order handlers.</summary>
/// <param name="actors">Proxies to the Station actors.</param>
public sealed class StationWorkOrders(IActorProxyFactory actors) : IStationRecorder<WorkOrderStep>
{
    /// <inheritdoc />
    public async Task RecordAsync(string eventType, string stationId, WorkOrderStep entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!Ids.IsValid(stationId) || !Ids.IsValid(entry.WorkOrderId))
        {
            throw new InvalidEventException($"{eventType}: station id '{stationId}' or work order id '{entry.WorkOrderId}' breaks the id convention");
        }

        cancellationToken.ThrowIfCancellationRequested();
        await actors.CreateActorProxy<IStationActor>(new ActorId(stationId), StationActor.TypeName).RecordWorkOrderAsync(entry);
    }
}
