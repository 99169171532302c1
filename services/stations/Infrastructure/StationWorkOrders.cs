using Dapr.Actors;
using Dapr.Actors.Client;
using Mtaeda.Contracts;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Domain;

namespace Mtaeda.Stations.Infrastructure;

/// <summary>Tells a Station actor about a transition of one of its work orders; shared by the work-order handlers.</summary>
/// <param name="actors">Proxies to the Station actors.</param>
public sealed class StationWorkOrders(IActorProxyFactory actors)
{
    /// <summary>Records the transition in the station's work-order history.</summary>
    /// <param name="eventType">The event, for a refusal.</param>
    /// <param name="stationId">The station.</param>
    /// <param name="step">The transition.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    /// <exception cref="InvalidEventException">An id breaks the id convention: the event can never be recorded.</exception>
    public async Task RecordAsync(string eventType, string stationId, WorkOrderStep step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (!Ids.IsValid(stationId) || !Ids.IsValid(step.WorkOrderId))
        {
            throw new InvalidEventException($"{eventType}: station id '{stationId}' or work order id '{step.WorkOrderId}' breaks the id convention");
        }

        cancellationToken.ThrowIfCancellationRequested();
        await actors.CreateActorProxy<IStationActor>(new ActorId(stationId), StationActor.TypeName).RecordWorkOrderAsync(step);
    }
}
