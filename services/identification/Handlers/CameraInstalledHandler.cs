using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Identification.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Handlers;

/// <summary>Equipment installed a camera on a turnstile: captures from it are accepted from now on.</summary>
public sealed class CameraInstalledHandler(CameraDirectory cameras) : IEventHandler<CameraInstalled>
{
    /// <inheritdoc />
    public Task HandleAsync(CameraInstalled @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event.CameraId.Length == 0 || @event.TurnstileId.Length == 0) throw new InvalidEventException("CameraInstalled without camera_id or turnstile_id");
        var at = @event.InstalledAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
        return cameras.InstalledAsync(new CameraRecord(@event.CameraId, @event.TurnstileId, @event.StationId, at), cancellationToken);
    }
}
