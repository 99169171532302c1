using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.Gateway.Handlers;

/// <summary><c>TurnstileRestored</c>: the device, when connected, is told it is OPERATIONAL again and may admit passengers.</summary>
internal sealed class TurnstileRestoredHandler(DeviceOutcomes outcomes)
{
    public Task HandleAsync(TurnstileRestored @event, CancellationToken cancellationToken)
    {
        outcomes.StatusChanged(@event.TurnstileId, @event.StationId, TurnstileStatus.Operational, @event.Reason, @event.RestoredAt);
        return Task.CompletedTask;
    }
}
