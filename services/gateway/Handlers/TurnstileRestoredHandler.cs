using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Gateway.Handlers;

/// <summary>
/// <c>TurnstileRestored</c>: the device, when connected, is told its status after the restore: OPERATIONAL again (it may
/// admit passengers), or, when a maintenance was called off, the status it had before (events without a status are
/// restores to OPERATIONAL).
/// </summary>
internal sealed class TurnstileRestoredHandler(DeviceOutcomes outcomes) : IEventHandler<TurnstileRestored>
{
    public Task HandleAsync(TurnstileRestored @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        var status = @event.Status == TurnstileStatus.Unspecified ? TurnstileStatus.Operational : @event.Status;
        outcomes.StatusChanged(@event.TurnstileId, @event.StationId, status, @event.Reason, @event.RestoredAt);
        return Task.CompletedTask;
    }
}
