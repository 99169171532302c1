using System.Globalization;
using Dapr;
using Dapr.Client;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Gateway.Devices;

/// <summary>
/// Publishes <see cref="DeviceWentOffline"/> and <see cref="DeviceCameBackOnline"/> on the <c>gateway</c> topic, in the
/// background, with a CloudEvent id derived from the device and the time (a retried publish is the same event to
/// subscribers), subject and partition key the device id. A publish that keeps failing is logged and dropped: liveness
/// is re-derived from the next heartbeat deadline.
/// </summary>
internal sealed class LivenessEvents(DaprClient dapr, TimeProvider time, ILogger<LivenessEvents> logger)
{
    private const int Attempts = 5;

    public void Publish(WentOffline offline) => Publish(
        offline.DeviceId,
        "offline",
        offline.WentOfflineAt,
        new DeviceWentOffline
        {
            DeviceId = offline.DeviceId,
            StationId = offline.StationId,
            LastSeenAt = Timestamp.FromDateTimeOffset(offline.LastSeenAt),
            WentOfflineAt = Timestamp.FromDateTimeOffset(offline.WentOfflineAt),
        });

    public void Publish(CameBackOnline back) => Publish(
        back.DeviceId,
        "online",
        back.CameBackAt,
        new DeviceCameBackOnline
        {
            DeviceId = back.DeviceId,
            StationId = back.StationId,
            OfflineSince = Timestamp.FromDateTimeOffset(back.OfflineSince),
            CameBackAt = Timestamp.FromDateTimeOffset(back.CameBackAt),
        });

    // The event id names the device, the change and its time: a retried publish is the same event.
    private void Publish(string deviceId, string change, DateTimeOffset at, IMessage message) =>
        _ = PublishAsync(deviceId, string.Create(CultureInfo.InvariantCulture, $"{deviceId}.{change}.{at.UtcTicks}"), message);

    private async Task PublishAsync(string deviceId, string eventId, IMessage message)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await dapr.PublishIntegrationEventAsync(Topics.Gateway, message, eventId, deviceId, CancellationToken.None);
                logger.LogInformation("Published {Type} for device {DeviceId}", EventType.Of(message), deviceId);
                return;
            }
            catch (Exception e) when (e is DaprException or HttpRequestException or Grpc.Core.RpcException)
            {
                if (attempt == Attempts)
                {
                    logger.LogError(e, "Could not publish {Type} for device {DeviceId} after {Attempts} attempts", EventType.Of(message), deviceId, Attempts);
                    return;
                }
                await Task.Delay(delay, time);
                delay *= 2;
            }
        }
    }
}
