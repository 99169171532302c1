using Mtaeda.Contracts.Common.V1;
using Mtaeda.Equipment.Domain;
using Turnstile = Mtaeda.Equipment.Domain.Turnstile;

namespace Mtaeda.Equipment.Tests.Domain;

/// <summary>Rules of the turnstile about its installation, its station's availability and the times a batch may carry.</summary>
public sealed class TurnstileRuleTests
{
    private static Turnstile Installed(DateTimeOffset? at = null)
    {
        var turnstile = Turnstile.Load("ts-1", null);
        Assert.True(turnstile.Install(Install(), at ?? T0).IsAccepted);
        return Turnstile.Load("ts-1", turnstile.State);
    }

    [Fact]
    public void Installing_a_decommissioned_turnstile_again_is_refused_and_changes_nothing()
    {
        var turnstile = Installed();
        turnstile.Decommission(new DecommissionTurnstile { Reason = "worn out" }, T0.AddDays(1), out _);
        var decommissioned = Turnstile.Load("ts-1", turnstile.State);

        var outcome = decommissioned.Install(Install(), T0.AddDays(2));

        Assert.Equal(RefusalKind.FailedPrecondition, outcome.Kind);
        Assert.Equal(ErrorReason.TurnstileDecommissioned, outcome.Reason);
        Assert.False(decommissioned.Changed);
        Assert.Empty(decommissioned.Events);
        Assert.Equal(TurnstileStatus.Decommissioned, decommissioned.State!.Status);
    }

    [Fact]
    public void A_batch_from_before_the_installation_is_refused_naming_interval_start()
    {
        var turnstile = Installed(T0.AddHours(1));

        var outcome = turnstile.RecordPassages(Batch("b-1", 1, 0, T0.AddMinutes(59)), T0.AddHours(1).AddMinutes(1), out _);

        Assert.Equal(RefusalKind.InvalidArgument, outcome.Kind);
        Assert.Equal("interval_start", outcome.Field);
        Assert.False(turnstile.Changed);
        Assert.Equal(0, turnstile.PassageCount);
    }

    [Fact]
    public void A_batch_ending_further_ahead_than_the_allowed_skew_is_refused_naming_interval_end()
    {
        var turnstile = Installed();
        var now = T0.AddHours(1);
        var skew = TimeSpan.FromMinutes(1);

        // Ends 80 s after now: 20 s beyond the skew.
        var ahead = turnstile.RecordPassages(Batch("b-1", 1, 0, now.AddMinutes(1)), now, out _, skew);
        // Ends 20 s after now: within it.
        var within = turnstile.RecordPassages(Batch("b-2", 1, 0, now), now, out _, skew);

        Assert.Equal(RefusalKind.InvalidArgument, ahead.Kind);
        Assert.Equal("interval_end", ahead.Field);
        Assert.True(within.IsAccepted);
        Assert.Equal(1, turnstile.PassageCount);
    }

    [Fact]
    public void An_offline_station_refuses_passages_with_STATION_OFFLINE_until_it_is_opened()
    {
        var turnstile = Installed();
        Assert.True(turnstile.SetStationOffline(true, T0.AddMinutes(1)).IsAccepted);
        var offline = Turnstile.Load("ts-1", turnstile.State);

        var refused = offline.RecordPassages(Batch("b-1", 1, 0, T0.AddMinutes(2)), T0.AddMinutes(3), out _);
        offline.SetStationOffline(false, T0.AddMinutes(4));
        var resumed = offline.RecordPassages(Batch("b-1", 1, 0, T0.AddMinutes(2)), T0.AddMinutes(5), out var duplicate);

        Assert.Equal(RefusalKind.FailedPrecondition, refused.Kind);
        Assert.Equal(ErrorReason.StationOffline, refused.Reason);
        Assert.True(resumed.IsAccepted);
        Assert.False(duplicate);
        Assert.Equal(1, offline.PassageCount);
    }

    [Fact]
    public void A_change_of_the_station_older_than_the_one_noted_is_ignored()
    {
        var turnstile = Installed();

        // Opened at 10:00 is heard first, taken offline at 9:00 (earlier) afterwards.
        turnstile.SetStationOffline(false, T0.AddHours(2));
        turnstile.SetStationOffline(true, T0.AddHours(1));

        Assert.False(turnstile.State!.StationOffline);
        Assert.True(turnstile.RecordPassages(Batch("b-1", 1, 0, T0.AddHours(3)), T0.AddHours(3), out _).IsAccepted);
    }
}
