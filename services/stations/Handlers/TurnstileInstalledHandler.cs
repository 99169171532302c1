using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Infrastructure;

namespace Mtaeda.Stations.Handlers;

/// <summary>A turnstile was installed at the station: the station's inventory follows (<see cref="TurnstileInstalled"/>).</summary>
/// <param name="inventory">The inventory updater.</param>
public sealed class TurnstileInstalledHandler(StationInventory inventory) : IEventHandler<TurnstileInstalled>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileInstalled @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return inventory.RecordAsync(EventType.Of<TurnstileInstalled>(), @event.StationId,
            new EquipmentChange(EquipmentKind.Turnstile, @event.TurnstileId, Installed: true, StationInventory.TimeOf(@event.InstalledAt, "installed_at")), cancellationToken);
    }
}
