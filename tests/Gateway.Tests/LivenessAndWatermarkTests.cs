using Mtaeda.Gateway.Domain;

namespace Mtaeda.Gateway.Tests;

public sealed class LivenessAndWatermarkTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_device_silent_past_its_deadline_is_reported_offline_once_and_back_online_when_heard()
    {
        var tracker = new LivenessTracker(TimeSpan.FromSeconds(30));
        Assert.Null(tracker.Seen("ts-1", "stn-1", T0));
        Assert.Null(tracker.Seen("ts-2", "stn-1", T0.AddSeconds(20)));

        Assert.Empty(tracker.Sweep(T0.AddSeconds(29.9)));
        var offline = Assert.Single(tracker.Sweep(T0.AddSeconds(30)));
        Assert.Equal(new WentOffline("ts-1", "stn-1", T0, T0.AddSeconds(30)), offline);
        Assert.Empty(tracker.Sweep(T0.AddSeconds(45)));
        Assert.Equal(1, tracker.OfflineCount);

        var back = tracker.Seen("ts-1", "stn-1", T0.AddSeconds(70));
        Assert.Equal(new CameBackOnline("ts-1", "stn-1", T0.AddSeconds(30), T0.AddSeconds(70)), back);
        Assert.Null(tracker.Seen("ts-1", "stn-1", T0.AddSeconds(71)));
        Assert.Equal("ts-2", Assert.Single(tracker.Sweep(T0.AddSeconds(71))).DeviceId);
    }

    [Fact]
    public void Heartbeats_keep_a_device_online()
    {
        var tracker = new LivenessTracker(TimeSpan.FromSeconds(3));
        for (var s = 0; s < 30; s++)
        {
            tracker.Seen("ts-1", "stn-1", T0.AddSeconds(s));
            Assert.Empty(tracker.Sweep(T0.AddSeconds(s + 0.5)));
        }
    }

    [Fact]
    public void Watermarks_stop_below_the_first_signal_still_held_back()
    {
        // Nothing waiting: everything received is accepted and forwarded.
        Assert.Equal(10ul, Watermarks.Accepted(10, 0, 0));
        Assert.Equal(10ul, Watermarks.Forwarded(10, 0, 0, 0));
        // Passages 7.. wait in the open batch.
        Assert.Equal(6ul, Watermarks.Accepted(10, 7, 0));
        // Entry 3..5 durable but not forwarded, 7.. open.
        Assert.Equal(6ul, Watermarks.Accepted(10, 7, 0));
        Assert.Equal(2ul, Watermarks.Forwarded(10, 7, 3, 0));
        // A rejection of 2 not yet written to the device holds forwarded_through at 1.
        Assert.Equal(1ul, Watermarks.Forwarded(10, 0, 3, 2));
    }
}
