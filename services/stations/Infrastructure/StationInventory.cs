using Mtaeda.Contracts;
using Dapr.Actors;
using Dapr.Actors.Client;
using Mtaeda.Stations.Actors;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Domain;

namespace Mtaeda.Stations.Infrastructure;

/// <summary>Tells a Station actor about equipment installed or removed there; shared by the equipment handlers.</summary>
/// <param name="actors">Proxies to the Station actors.</param>
public sealed class StationInventory(IActorProxyFactory actors) : IStationRecorder<EquipmentChange>
{
    /// <summary>The time an equipment event says its change happened.</summary>
    /// <param name="at">The event's timestamp.</param>
    /// <param name="field">Its field, for the refusal.</param>
    /// <returns>The time.</returns>
    /// <exception cref="InvalidEventException">The event carries no time: it could not be ordered against the others.</exception>
    public static DateTimeOffset TimeOf(Google.Protobuf.WellKnownTypes.Timestamp? at, string field) =>
        at?.ToDateTimeOffset() ?? throw new InvalidEventException($"{field} is required");

    /// <inheritdoc />
    public async Task RecordAsync(string eventType, string stationId, EquipmentChange entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!Ids.IsValid(stationId) || !Ids.IsValid(entry.EquipmentId))
        {
            throw new InvalidEventException($"{eventType}: station id '{stationId}' or equipment id '{entry.EquipmentId}' breaks the id convention");
        }

        cancellationToken.ThrowIfCancellationRequested();
        await actors.CreateActorProxy<IStationActor>(new ActorId(stationId), StationActor.TypeName).RecordEquipmentAsync(entry);
    }
}
