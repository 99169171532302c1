using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Identification.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Handlers;

/// <summary>Equipment removed a camera from its turnstile: its captures are refused (NotFound) from now on.</summary>
public sealed class TurnstileCameraUninstalledHandler(CameraDirectory cameras) : IEventHandler<TurnstileCameraUninstalled>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileCameraUninstalled @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event.CameraId.Length == 0) throw new InvalidEventException("TurnstileCameraUninstalled without camera_id");
        return cameras.UninstalledAsync(@event.CameraId, @event.TurnstileId, @event.UninstalledAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue, cancellationToken);
    }
}
