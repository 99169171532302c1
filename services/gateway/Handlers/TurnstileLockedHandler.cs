using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Gateway.Handlers;

/// <summary><c>TurnstileLocked</c>: the device, when connected, is told it is LOCKED.</summary>
internal sealed class TurnstileLockedHandler(DeviceOutcomes outcomes) : IEventHandler<TurnstileLocked>
{
    public Task HandleAsync(TurnstileLocked @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        outcomes.StatusChanged(@event.TurnstileId, @event.StationId, TurnstileStatus.Locked, @event.Reason, @event.LockedAt);
        return Task.CompletedTask;
    }
}
