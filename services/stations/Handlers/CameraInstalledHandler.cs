using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Infrastructure;

namespace Mtaeda.Stations.Handlers;

/// <summary>A camera was installed at the station: the station's inventory follows (<see cref="CameraInstalled"/>).</summary>
/// <param name="inventory">The inventory updater.</param>
public sealed class CameraInstalledHandler(StationInventory inventory) : IEventHandler<CameraInstalled>
{
    /// <inheritdoc />
    public Task HandleAsync(CameraInstalled @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return inventory.RecordAsync(EventType.Of<CameraInstalled>(), @event.StationId,
            new EquipmentChange(EquipmentKind.Camera, @event.CameraId, Installed: true, StationInventory.TimeOf(@event.InstalledAt, "installed_at")), cancellationToken);
    }
}
