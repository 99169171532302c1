using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Gateway.Handlers;

/// <summary><c>TurnstileFaulted</c>: the device, when connected, is told it is FAULTED.</summary>
internal sealed class TurnstileFaultedHandler(DeviceOutcomes outcomes) : IEventHandler<TurnstileFaulted>
{
    public Task HandleAsync(TurnstileFaulted @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        outcomes.StatusChanged(@event.TurnstileId, @event.StationId, TurnstileStatus.Faulted, @event.Reason, @event.FaultedAt);
        return Task.CompletedTask;
    }
}
