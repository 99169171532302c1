using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.Gateway.Handlers;

/// <summary><c>TurnstileFaulted</c>: the device, when connected, is told it is FAULTED.</summary>
internal sealed class TurnstileFaultedHandler(DeviceOutcomes outcomes)
{
    public Task HandleAsync(TurnstileFaulted @event, CancellationToken cancellationToken)
    {
        outcomes.StatusChanged(@event.TurnstileId, @event.StationId, TurnstileStatus.Faulted, @event.Reason, @event.FaultedAt);
        return Task.CompletedTask;
    }
}
