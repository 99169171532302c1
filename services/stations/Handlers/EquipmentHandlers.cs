using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Infrastructure;
using static Mtaeda.Stations.Infrastructure.StationInventory;

namespace Mtaeda.Stations.Handlers;

/// <summary>A turnstile was installed at the station: the station's inventory follows (<see cref="TurnstileInstalled"/>).</summary>
/// <param name="inventory">The inventory updater.</param>
public sealed class TurnstileInstalledHandler(StationInventory inventory) : StationEventHandler<TurnstileInstalled, EquipmentChange>(inventory)
{
    /// <inheritdoc />
    protected override (string StationId, EquipmentChange Entry) Read(TurnstileInstalled @event) =>
        (@event.StationId, new EquipmentChange(EquipmentKind.Turnstile, @event.TurnstileId, Installed: true, TimeOf(@event.InstalledAt, "installed_at")));
}

/// <summary>A turnstile of the station was decommissioned: the station's inventory follows (<see cref="TurnstileDecommissioned"/>).</summary>
/// <param name="inventory">The inventory updater.</param>
public sealed class TurnstileDecommissionedHandler(StationInventory inventory) : StationEventHandler<TurnstileDecommissioned, EquipmentChange>(inventory)
{
    /// <inheritdoc />
    protected override (string StationId, EquipmentChange Entry) Read(TurnstileDecommissioned @event) =>
        (@event.StationId, new EquipmentChange(EquipmentKind.Turnstile, @event.TurnstileId, Installed: false, TimeOf(@event.DecommissionedAt, "decommissioned_at")));
}

/// <summary>A camera was installed at the station: the station's inventory follows (<see cref="CameraInstalled"/>).</summary>
/// <param name="inventory">The inventory updater.</param>
public sealed class CameraInstalledHandler(StationInventory inventory) : StationEventHandler<CameraInstalled, EquipmentChange>(inventory)
{
    /// <inheritdoc />
    protected override (string StationId, EquipmentChange Entry) Read(CameraInstalled @event) =>
        (@event.StationId, new EquipmentChange(EquipmentKind.Camera, @event.CameraId, Installed: true, TimeOf(@event.InstalledAt, "installed_at")));
}

/// <summary>A camera was removed from a turnstile of the station: the station's inventory follows (<see cref="TurnstileCameraUninstalled"/>).</summary>
/// <param name="inventory">The inventory updater.</param>
public sealed class TurnstileCameraUninstalledHandler(StationInventory inventory) : StationEventHandler<TurnstileCameraUninstalled, EquipmentChange>(inventory)
{
    /// <inheritdoc />
    protected override (string StationId, EquipmentChange Entry) Read(TurnstileCameraUninstalled @event) =>
        (@event.StationId, new EquipmentChange(EquipmentKind.Camera, @event.CameraId, Installed: false, TimeOf(@event.UninstalledAt, "uninstalled_at")));
}
