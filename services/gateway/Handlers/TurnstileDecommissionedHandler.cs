using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Gateway.Handlers;

/// <summary><c>TurnstileDecommissioned</c>: the device, when connected, is told it is out of service for good.</summary>
internal sealed class TurnstileDecommissionedHandler(DeviceOutcomes outcomes) : IEventHandler<TurnstileDecommissioned>
{
    public Task HandleAsync(TurnstileDecommissioned @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        outcomes.StatusChanged(@event.TurnstileId, @event.StationId, TurnstileStatus.Decommissioned, @event.Reason, @event.DecommissionedAt);
        return Task.CompletedTask;
    }
}
