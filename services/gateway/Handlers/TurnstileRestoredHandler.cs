using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Gateway.Handlers;

/// <summary><c>TurnstileRestored</c>: the device, when connected, is told it is OPERATIONAL again and may admit passengers.</summary>
internal sealed class TurnstileRestoredHandler(DeviceOutcomes outcomes) : IEventHandler<TurnstileRestored>
{
    public Task HandleAsync(TurnstileRestored @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        outcomes.StatusChanged(@event.TurnstileId, @event.StationId, TurnstileStatus.Operational, @event.Reason, @event.RestoredAt);
        return Task.CompletedTask;
    }
}
