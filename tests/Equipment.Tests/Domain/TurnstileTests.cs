using Mtaeda.Equipment.Domain;
using Turnstile = Mtaeda.Equipment.Domain.Turnstile;

namespace Mtaeda.Equipment.Tests.Domain;

public sealed class TurnstileTests
{
    private static Turnstile Installed(long max = 10, string id = "ts-1")
    {
        var turnstile = Turnstile.Load(id, null);
        Assert.True(turnstile.Install(Install(max: max), T0).IsAccepted);
        return Turnstile.Load(id, turnstile.State);
    }

    private static TEvent Single<TEvent>(Turnstile turnstile) => Assert.IsType<TEvent>(Assert.Single(turnstile.Events));

    [Fact]
    public void Installing_makes_it_operational_and_raises_TurnstileInstalled_with_everything_subscribers_need()
    {
        var turnstile = Turnstile.Load("ts-1", null);

        var outcome = turnstile.Install(Install(lines: ["A", "B", "A"]), T0);

        Assert.True(outcome.IsAccepted);
        Assert.True(turnstile.Changed);
        Assert.Equal(TurnstileStatus.Operational, turnstile.State!.Status);
        Assert.Equal(["A", "B"], turnstile.State.LineIds);
        var installed = Single<TurnstileInstalled>(turnstile);
        Assert.Equal("ts-1", installed.TurnstileId);
        Assert.Equal("stn-1", installed.StationId);
        Assert.Equal(["A", "B"], installed.LineIds);
        Assert.Equal("SN-0001", installed.Model.SerialNumber);
        Assert.Equal(10, installed.MaxPassagesBeforeMaintenance);
        Assert.Equal(T0, installed.InstalledAt.ToDateTimeOffset());
    }

    [Fact]
    public void Installing_again_with_the_same_values_changes_nothing_and_keeps_the_original_time()
    {
        var turnstile = Installed();

        var outcome = turnstile.Install(Install(lines: ["B", "A"]), T0.AddHours(1));

        Assert.True(outcome.IsAccepted);
        Assert.False(turnstile.Changed);
        Assert.Empty(turnstile.Events);
        Assert.Equal(T0, turnstile.State!.InstalledAt);
    }

    [Fact]
    public void Repeating_an_install_that_named_no_lines_is_the_same_command_even_when_the_station_gained_a_line()
    {
        var turnstile = Turnstile.Load("ts-1", null);
        turnstile.Install(Install() with { AllStationLines = true }, T0);

        var repeat = turnstile.Install(Install(lines: ["A", "B", "C"]) with { AllStationLines = true }, T0.AddDays(1));
        var explicitLines = turnstile.Install(Install(lines: ["A", "B", "C"]), T0.AddDays(1));

        Assert.True(repeat.IsAccepted);
        Assert.Equal(["A", "B"], turnstile.State!.LineIds);
        Assert.Equal(RefusalKind.AlreadyExists, explicitLines.Kind);
    }

    [Theory]
    [InlineData("stn-2", 10)]
    [InlineData("stn-1", 11)]
    public void Installing_an_installed_turnstile_with_other_values_answers_AlreadyExists(string station, long max)
    {
        var turnstile = Installed();

        var outcome = turnstile.Install(Install(station, max), T0);

        Assert.Equal(RefusalKind.AlreadyExists, outcome.Kind);
        Assert.Contains("ts-1", outcome.Message, StringComparison.Ordinal);
        Assert.Empty(turnstile.Events);
    }

    [Fact]
    public void Installing_with_another_model_answers_AlreadyExists()
    {
        var turnstile = Installed();

        var outcome = turnstile.Install(Install() with { Model = Gate with { SerialNumber = "SN-0002" } }, T0);

        Assert.Equal(RefusalKind.AlreadyExists, outcome.Kind);
    }

    [Theory]
    [InlineData(0, "max_passages_before_maintenance")]
    [InlineData(-5, "max_passages_before_maintenance")]
    public void Installing_needs_a_positive_maximum(long max, string field)
    {
        var outcome = Turnstile.Load("ts-1", null).Install(Install(max: max), T0);

        Assert.Equal(RefusalKind.InvalidArgument, outcome.Kind);
        Assert.Contains(field, outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Installing_needs_a_complete_model_and_at_least_one_line()
    {
        var noSerial = Turnstile.Load("ts-1", null).Install(Install() with { Model = Gate with { SerialNumber = "" } }, T0);
        var noLines = Turnstile.Load("ts-1", null).Install(Install() with { LineIds = [] }, T0);

        Assert.Equal("model.serial_number is required", noSerial.Message);
        Assert.Equal(RefusalKind.InvalidArgument, noLines.Kind);
        Assert.Contains("line_ids", noLines.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_is_counted_and_raises_PassagesRecorded_with_station_lines_and_batch()
    {
        var turnstile = Installed();
        var batch = Batch("b-1", 3, 2);

        var outcome = turnstile.RecordPassages(batch, T0.AddMinutes(1), out var duplicate);

        Assert.True(outcome.IsAccepted);
        Assert.False(duplicate);
        Assert.Equal(3, turnstile.State!.IngressCount);
        Assert.Equal(2, turnstile.State.EgressCount);
        var recorded = Single<PassagesRecorded>(turnstile);
        Assert.Equal("b-1", recorded.BatchId);
        Assert.Equal("ts-1", recorded.TurnstileId);
        Assert.Equal("stn-1", recorded.StationId);
        Assert.Equal(["A", "B"], recorded.LineIds);
        Assert.Equal(3, recorded.Ingress);
        Assert.Equal(2, recorded.Egress);
        Assert.Equal(batch.IntervalStart, recorded.IntervalStart.ToDateTimeOffset());
        Assert.Equal(batch.IntervalEnd, recorded.IntervalEnd.ToDateTimeOffset());
        Assert.Equal(T0.AddMinutes(1), recorded.RecordedAt.ToDateTimeOffset());
    }

    [Fact]
    public void A_replayed_batch_is_a_duplicate_counted_once()
    {
        var turnstile = Installed();
        turnstile.RecordPassages(Batch("b-1", 3, 2), T0, out _);
        var reloaded = Turnstile.Load("ts-1", turnstile.State);

        var outcome = reloaded.RecordPassages(Batch("b-1", 3, 2), T0, out var duplicate);

        Assert.True(outcome.IsAccepted);
        Assert.True(duplicate);
        Assert.False(reloaded.Changed);
        Assert.Empty(reloaded.Events);
        Assert.Equal(5, reloaded.PassageCount);
    }

    [Fact]
    public void Recent_batch_ids_are_bounded()
    {
        var turnstile = Installed(max: long.MaxValue);
        for (var i = 0; i <= Turnstile.RecentBatchCapacity; i++) turnstile.RecordPassages(Batch($"b-{i}", 1, 0), T0, out _);

        Assert.Equal(Turnstile.RecentBatchCapacity, turnstile.State!.RecentBatchIds.Count);
        Assert.DoesNotContain("b-0", turnstile.State.RecentBatchIds);
        turnstile.RecordPassages(Batch($"b-{Turnstile.RecentBatchCapacity}", 1, 0), T0, out var duplicate);
        Assert.True(duplicate);
    }

    [Fact]
    public void Passages_for_a_turnstile_never_installed_are_refused_with_NotFound()
    {
        var turnstile = Turnstile.Load("ts-9", null);

        var outcome = turnstile.RecordPassages(Batch("b-1", 1, 0), T0, out _);

        Assert.Equal(RefusalKind.NotFound, outcome.Kind);
        Assert.Equal("turnstile ts-9 is not installed", outcome.Message);
        Assert.Null(turnstile.State);
        Assert.Empty(turnstile.Events);
    }

    [Fact]
    public void Passages_for_a_decommissioned_turnstile_are_refused_and_never_counted_but_a_replay_stays_a_duplicate()
    {
        var turnstile = Installed();
        turnstile.RecordPassages(Batch("b-1", 1, 1), T0, out _);
        turnstile.Decommission(new DecommissionTurnstile { Reason = "replaced" }, T0, out _);
        var reloaded = Turnstile.Load("ts-1", turnstile.State);

        var fresh = reloaded.RecordPassages(Batch("b-2", 4, 0), T0, out _);
        var replay = reloaded.RecordPassages(Batch("b-1", 1, 1), T0, out var duplicate);

        Assert.Equal(RefusalKind.FailedPrecondition, fresh.Kind);
        Assert.Contains("DECOMMISSIONED", fresh.Message, StringComparison.Ordinal);
        Assert.True(replay.IsAccepted);
        Assert.True(duplicate);
        Assert.Equal(2, reloaded.PassageCount);
        Assert.Empty(reloaded.Events);
    }

    [Theory]
    [InlineData(FaultKind.Locked, TurnstileStatus.Locked, "LOCKED")]
    [InlineData(FaultKind.Jammed, TurnstileStatus.Locked, "LOCKED")]
    [InlineData(FaultKind.Malfunction, TurnstileStatus.Faulted, "FAULTED")]
    public void A_locked_or_faulted_turnstile_refuses_passages_until_restored(FaultKind kind, TurnstileStatus status, string named)
    {
        var turnstile = Installed();
        turnstile.ReportFault(new FaultReport { Kind = kind, Reason = "why" }, T0);
        Assert.Equal(status, turnstile.State!.Status);

        var refused = turnstile.RecordPassages(Batch("b-1", 1, 0), T0, out _);
        Assert.Equal(RefusalKind.FailedPrecondition, refused.Kind);
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, turnstile.PassageCount);

        Assert.True(turnstile.Restore("fixed", T0).IsAccepted);
        Assert.True(turnstile.RecordPassages(Batch("b-1", 1, 0), T0, out _).IsAccepted);
        Assert.Equal(1, turnstile.PassageCount);
    }

    [Fact]
    public void The_threshold_event_is_raised_once_by_the_batch_that_reaches_the_maximum()
    {
        var turnstile = Installed(max: 10);

        turnstile.RecordPassages(Batch("b-1", 4, 4), T0, out _);
        Assert.DoesNotContain(turnstile.Events, e => e is TurnstilePassageThresholdExceeded);
        Assert.False(turnstile.State!.PassageThresholdExceeded);

        turnstile.RecordPassages(Batch("b-2", 2, 1), T0.AddMinutes(1), out _);
        turnstile.RecordPassages(Batch("b-3", 5, 5), T0.AddMinutes(2), out _);
        turnstile.RecordPassages(Batch("b-2", 2, 1), T0.AddMinutes(3), out _);

        var exceeded = Assert.Single(turnstile.Events.OfType<TurnstilePassageThresholdExceeded>());
        Assert.Equal("b-2", exceeded.BatchId);
        Assert.Equal(11, exceeded.PassageCount);
        Assert.Equal(10, exceeded.MaxPassagesBeforeMaintenance);
        Assert.Equal("stn-1", exceeded.StationId);
        Assert.Equal(T0.AddMinutes(1), exceeded.ExceededAt.ToDateTimeOffset());
        Assert.True(turnstile.State.PassageThresholdExceeded);
        Assert.Equal(21, turnstile.PassageCount);
        // PassagesRecorded comes before the threshold event it caused.
        Assert.IsType<PassagesRecorded>(turnstile.Events[1]);
        Assert.IsType<TurnstilePassageThresholdExceeded>(turnstile.Events[2]);
    }

    [Fact]
    public void Reaching_the_maximum_exactly_counts_as_crossing_it()
    {
        var turnstile = Installed(max: 5);

        turnstile.RecordPassages(Batch("b-1", 5, 0), T0, out _);

        Assert.Single(turnstile.Events.OfType<TurnstilePassageThresholdExceeded>());
    }

    [Theory]
    [InlineData("", 1, 0, 0, 10, "batch_id is required")]
    [InlineData("b", -1, 2, 0, 10, "ingress must be >= 0")]
    [InlineData("b", 2, -1, 0, 10, "egress must be >= 0")]
    [InlineData("b", 0, 0, 0, 10, "ingress + egress must be > 0")]
    [InlineData("b", 1, 0, 10, 5, "interval_end must not be before interval_start")]
    [InlineData("b", 1, 0, 50, 70, "interval_end must be in the same UTC minute as interval_start")]
    [InlineData("b", 2_000_000, 0, 0, 10, "ingress must be at most 1000000")]
    public void A_malformed_batch_is_refused_naming_the_field(string id, long ingress, long egress, int startSecond, int endSecond, string message)
    {
        var turnstile = Installed();
        var batch = new PassageBatch { BatchId = id, Ingress = ingress, Egress = egress, IntervalStart = T0.AddSeconds(startSecond), IntervalEnd = T0.AddSeconds(endSecond) };

        var outcome = turnstile.RecordPassages(batch, T0, out _);

        Assert.Equal(RefusalKind.InvalidArgument, outcome.Kind);
        Assert.Equal(message, outcome.Message);
        Assert.Equal(0, turnstile.PassageCount);
    }

    [Fact]
    public void A_batch_id_longer_than_the_PassagesRecorded_contract_allows_is_refused_not_published_for_read_sides_to_drop()
    {
        var turnstile = Installed();
        var batch = new PassageBatch { BatchId = new string('b', PassagesRecorded.MaxBatchIdLength + 1), Ingress = 1, IntervalStart = T0, IntervalEnd = T0 };

        var outcome = turnstile.RecordPassages(batch, T0, out _);

        Assert.Equal((RefusalKind.InvalidArgument, "batch_id"), (outcome.Kind, outcome.Field));
        Assert.Empty(turnstile.Events.OfType<PassagesRecorded>());
    }

    [Theory]
    [InlineData(FaultKind.Locked)]
    [InlineData(FaultKind.Jammed)]
    public void Locked_and_jammed_lock_the_turnstile_and_raise_TurnstileLocked(FaultKind kind)
    {
        var turnstile = Installed();
        var at = T0.AddMinutes(-1);

        var outcome = turnstile.ReportFault(new FaultReport { Kind = kind, Reason = "coin mechanism jammed", OccurredAt = at }, T0);

        Assert.True(outcome.IsAccepted);
        Assert.Equal(TurnstileStatus.Locked, turnstile.State!.Status);
        Assert.Equal(kind, turnstile.State.FaultKind);
        Assert.Equal("coin mechanism jammed", turnstile.State.StatusReason);
        var locked = Single<TurnstileLocked>(turnstile);
        Assert.Equal(kind, locked.Kind);
        Assert.Equal("coin mechanism jammed", locked.Reason);
        Assert.Equal("stn-1", locked.StationId);
        Assert.Equal(at, locked.LockedAt.ToDateTimeOffset());
    }

    [Fact]
    public void A_malfunction_faults_the_turnstile_and_raises_TurnstileFaulted_with_the_reason()
    {
        var turnstile = Installed();

        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Malfunction, Reason = "card reader dead" }, T0);

        Assert.Equal(TurnstileStatus.Faulted, turnstile.State!.Status);
        var faulted = Single<TurnstileFaulted>(turnstile);
        Assert.Equal(FaultKind.Malfunction, faulted.Kind);
        Assert.Equal("card reader dead", faulted.Reason);
        Assert.Equal(T0, faulted.FaultedAt.ToDateTimeOffset());
    }

    [Fact]
    public void The_same_fault_again_or_a_known_fault_id_changes_nothing()
    {
        var turnstile = Installed();
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Jammed, FaultId = "ts-1:7" }, T0);
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Jammed }, T0);
        turnstile.Restore("cleared", T0);
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Jammed, FaultId = "ts-1:7" }, T0);

        Assert.Single(turnstile.Events.OfType<TurnstileLocked>());
        Assert.Equal(TurnstileStatus.Operational, turnstile.State!.Status);
    }

    [Fact]
    public void A_fault_never_lowers_the_status_but_a_worse_one_escalates()
    {
        var turnstile = Installed();
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Locked }, T0);
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Malfunction, Reason = "power" }, T0);
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Jammed }, T0);

        Assert.Equal(TurnstileStatus.Faulted, turnstile.State!.Status);
        Assert.Equal(FaultKind.Malfunction, turnstile.State.FaultKind);
        Assert.Collection(turnstile.Events, e => Assert.IsType<TurnstileLocked>(e), e => Assert.IsType<TurnstileFaulted>(e));
    }

    [Fact]
    public void A_fault_needs_a_kind_and_an_installed_turnstile_that_is_not_decommissioned()
    {
        Assert.Equal(RefusalKind.InvalidArgument, Installed().ReportFault(new FaultReport { Kind = FaultKind.Unspecified }, T0).Kind);
        Assert.Equal(RefusalKind.NotFound, Turnstile.Load("ts-9", null).ReportFault(new FaultReport { Kind = FaultKind.Jammed }, T0).Kind);
        var decommissioned = Installed();
        decommissioned.Decommission(new DecommissionTurnstile(), T0, out _);
        Assert.Equal(RefusalKind.FailedPrecondition, decommissioned.ReportFault(new FaultReport { Kind = FaultKind.Jammed }, T0).Kind);
    }

    [Theory]
    [InlineData(FaultKind.Jammed, TurnstileStatus.Locked)]
    [InlineData(FaultKind.Malfunction, TurnstileStatus.Faulted)]
    public void Restoring_raises_TurnstileRestored_with_the_previous_status(FaultKind kind, TurnstileStatus previous)
    {
        var turnstile = Installed();
        turnstile.ReportFault(new FaultReport { Kind = kind }, T0);

        turnstile.Restore("technician", T0.AddMinutes(5));

        Assert.Equal(TurnstileStatus.Operational, turnstile.State!.Status);
        Assert.Equal(FaultKind.Unspecified, turnstile.State.FaultKind);
        var restored = Assert.IsType<TurnstileRestored>(turnstile.Events[^1]);
        Assert.Equal(previous, restored.PreviousStatus);
        Assert.Equal("technician", restored.Reason);
        Assert.Equal(T0.AddMinutes(5), restored.RestoredAt.ToDateTimeOffset());
    }

    [Fact]
    public void Restoring_an_operational_turnstile_changes_nothing_and_a_decommissioned_one_is_refused()
    {
        var operational = Installed();
        Assert.True(operational.Restore("nothing to do", T0).IsAccepted);
        Assert.False(operational.Changed);

        var decommissioned = Installed();
        decommissioned.Decommission(new DecommissionTurnstile(), T0, out _);
        Assert.Equal(RefusalKind.FailedPrecondition, decommissioned.Restore("", T0).Kind);
        Assert.Equal(RefusalKind.NotFound, Turnstile.Load("ts-9", null).Restore("", T0).Kind);
    }

    [Fact]
    public void Decommissioning_lets_the_camera_go_first_then_raises_TurnstileDecommissioned_and_is_final()
    {
        var turnstile = Installed();
        turnstile.AttachCamera("cam-1", T0);
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Jammed }, T0);
        var reloaded = Turnstile.Load("ts-1", turnstile.State);

        var outcome = reloaded.Decommission(new DecommissionTurnstile { Reason = "station closed" }, T0.AddDays(1), out var camera);

        Assert.True(outcome.IsAccepted);
        Assert.Equal("cam-1", camera);
        Assert.Equal(TurnstileStatus.Decommissioned, reloaded.State!.Status);
        Assert.Null(reloaded.State.CameraId);
        Assert.Equal(T0.AddDays(1), reloaded.State.DecommissionedAt);
        Assert.Collection(reloaded.Events,
            e => Assert.Equal("turnstile decommissioned", Assert.IsType<TurnstileCameraUninstalled>(e).Reason),
            e =>
            {
                var decommissioned = Assert.IsType<TurnstileDecommissioned>(e);
                Assert.Equal("station closed", decommissioned.Reason);
                Assert.Equal("stn-1", decommissioned.StationId);
            });
    }

    [Fact]
    public void Decommissioning_twice_changes_nothing_and_keeps_the_original_time()
    {
        var turnstile = Installed();
        turnstile.Decommission(new DecommissionTurnstile { Reason = "first" }, T0, out _);
        var reloaded = Turnstile.Load("ts-1", turnstile.State);

        var outcome = reloaded.Decommission(new DecommissionTurnstile { Reason = "second" }, T0.AddHours(1), out var camera);

        Assert.True(outcome.IsAccepted);
        Assert.Null(camera);
        Assert.False(reloaded.Changed);
        Assert.Empty(reloaded.Events);
        Assert.Equal(T0, reloaded.State!.DecommissionedAt);
        Assert.Equal("first", reloaded.State.StatusReason);
    }

    [Fact]
    public void Decommissioning_for_a_closing_station_leaves_a_turnstile_of_another_station_alone()
    {
        var turnstile = Installed();

        var outcome = turnstile.Decommission(new DecommissionTurnstile { OnlyAtStationId = "stn-2" }, T0, out _);

        Assert.Equal(RefusalKind.FailedPrecondition, outcome.Kind);
        Assert.Equal(TurnstileStatus.Operational, turnstile.State!.Status);
        Assert.Equal(RefusalKind.NotFound, Turnstile.Load("ts-9", null).Decommission(new DecommissionTurnstile(), T0, out _).Kind);
    }

    [Fact]
    public void A_turnstile_holds_one_camera_at_a_time()
    {
        var turnstile = Installed();

        Assert.True(turnstile.AttachCamera("cam-1", T0).IsAccepted);
        Assert.True(turnstile.AttachCamera("cam-1", T0).IsAccepted);
        var other = turnstile.AttachCamera("cam-2", T0);

        Assert.Equal(RefusalKind.FailedPrecondition, other.Kind);
        Assert.Contains("cam-1", other.Message, StringComparison.Ordinal);
        var attached = Single<TurnstileCameraInstalled>(turnstile);
        Assert.Equal("cam-1", attached.CameraId);
        Assert.Equal("stn-1", attached.StationId);
    }

    [Fact]
    public void Detaching_raises_TurnstileCameraUninstalled_only_for_the_camera_it_holds()
    {
        var turnstile = Installed();
        turnstile.AttachCamera("cam-1", T0);
        var reloaded = Turnstile.Load("ts-1", turnstile.State);

        Assert.True(reloaded.DetachCamera("cam-2", "wrong one", T0, out var other).IsAccepted);
        Assert.False(other);
        Assert.Empty(reloaded.Events);
        Assert.True(reloaded.DetachCamera("cam-1", "lens replaced", T0, out var held).IsAccepted);
        Assert.True(held);

        var removed = Single<TurnstileCameraUninstalled>(reloaded);
        Assert.Equal("lens replaced", removed.Reason);
        Assert.Null(reloaded.State!.CameraId);
    }

    [Fact]
    public void A_decommissioned_turnstile_takes_no_camera()
    {
        var turnstile = Installed();
        turnstile.Decommission(new DecommissionTurnstile(), T0, out _);

        Assert.Equal(RefusalKind.FailedPrecondition, turnstile.AttachCamera("cam-1", T0).Kind);
        Assert.Equal(RefusalKind.NotFound, Turnstile.Load("ts-9", null).AttachCamera("cam-1", T0).Kind);
    }

    [Fact]
    public void The_contract_view_shows_counters_status_and_camera()
    {
        var turnstile = Installed(max: 4);
        turnstile.AttachCamera("cam-1", T0);
        turnstile.RecordPassages(Batch("b-1", 3, 2), T0, out _);
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Jammed, Reason = "stuck" }, T0.AddMinutes(1));

        var view = turnstile.ToContract()!;

        Assert.Equal("ts-1", view.TurnstileId);
        Assert.Equal(TurnstileStatus.Locked, view.Status);
        Assert.Equal(FaultKind.Jammed, view.FaultKind);
        Assert.Equal("stuck", view.StatusReason);
        Assert.Equal(T0.AddMinutes(1), view.StatusChangedAt.ToDateTimeOffset());
        Assert.Equal("cam-1", view.CameraId);
        Assert.Equal(3, view.IngressCount);
        Assert.Equal(2, view.EgressCount);
        Assert.True(view.PassageThresholdExceeded);
        Assert.Null(view.DecommissionedAt);
        Assert.Null(Turnstile.Load("ts-9", null).ToContract());
    }
}
