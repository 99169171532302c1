using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Infrastructure;

namespace Mtaeda.Stations.Handlers;

/// <summary>A turnstile of the station was decommissioned: the station's inventory follows (<see cref="TurnstileDecommissioned"/>).</summary>
/// <param name="inventory">The inventory updater.</param>
public sealed class TurnstileDecommissionedHandler(StationInventory inventory) : IEventHandler<TurnstileDecommissioned>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileDecommissioned @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return inventory.RecordAsync(EventType.Of<TurnstileDecommissioned>(), @event.StationId,
            new EquipmentChange(EquipmentKind.Turnstile, @event.TurnstileId, Installed: false, StationInventory.TimeOf(@event.DecommissionedAt, "decommissioned_at")), cancellationToken);
    }
}
