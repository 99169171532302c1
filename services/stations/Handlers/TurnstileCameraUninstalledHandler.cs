using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Infrastructure;

namespace Mtaeda.Stations.Handlers;

/// <summary>A camera was removed from a turnstile of the station: the station's inventory follows (<see cref="TurnstileCameraUninstalled"/>).</summary>
/// <param name="inventory">The inventory updater.</param>
public sealed class TurnstileCameraUninstalledHandler(StationInventory inventory) : IEventHandler<TurnstileCameraUninstalled>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileCameraUninstalled @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return inventory.RecordAsync(EventType.Of<TurnstileCameraUninstalled>(), @event.StationId,
            new EquipmentChange(EquipmentKind.Camera, @event.CameraId, Installed: false, StationInventory.TimeOf(@event.UninstalledAt, "uninstalled_at")), cancellationToken);
    }
}
