using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Gateway.Handlers;

/// <summary><c>TurnstileMaintenanceStarted</c>: the device, when connected, is told it is UNDER_MAINTENANCE.</summary>
internal sealed class TurnstileMaintenanceStartedHandler(DeviceOutcomes outcomes) : IEventHandler<TurnstileMaintenanceStarted>
{
    public Task HandleAsync(TurnstileMaintenanceStarted @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        outcomes.StatusChanged(@event.TurnstileId, @event.StationId, TurnstileStatus.UnderMaintenance, @event.Reason, @event.StartedAt);
        return Task.CompletedTask;
    }
}
