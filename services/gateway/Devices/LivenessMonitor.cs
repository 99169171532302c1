using Mtaeda.Gateway.Domain;

namespace Mtaeda.Gateway.Devices;

/// <summary>Checks heartbeat deadlines a few times per deadline and reports the devices that went silent.</summary>
internal sealed class LivenessMonitor(LivenessTracker tracker, LivenessEvents events, TimeProvider time, ILogger<LivenessMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(tracker.OfflineAfter.Ticks / 10, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var offline in tracker.Sweep(time.GetUtcNow()))
                {
                    logger.LogWarning("Device {DeviceId} went offline: silent since {LastSeen:O}", offline.DeviceId, offline.LastSeenAt);
                    events.Publish(offline);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
