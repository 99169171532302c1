using Mtaeda.Contracts.Common.V1;
using Mtaeda.Equipment.Domain;
using Camera = Mtaeda.Equipment.Domain.Camera;
using Turnstile = Mtaeda.Equipment.Domain.Turnstile;

namespace Mtaeda.Equipment.Tests.Domain;

/// <summary>A turnstile under maintenance, and the passage cycle a completed maintenance begins.</summary>
public sealed class TurnstileMaintenanceTests
{
    private static Turnstile Installed(long max = 10)
    {
        var turnstile = Turnstile.Load("ts-1", null);
        Assert.True(turnstile.Install(Install(max: max), T0).IsAccepted);
        return Turnstile.Load("ts-1", turnstile.State);
    }

    private static Turnstile Reload(Turnstile turnstile) => Turnstile.Load(turnstile.Id, turnstile.State);

    [Fact]
    public void Starting_maintenance_makes_a_locked_turnstile_UNDER_MAINTENANCE_and_it_refuses_passages_with_the_reason()
    {
        var turnstile = Installed();
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Jammed, Reason = "coin" }, T0);
        turnstile = Reload(turnstile);

        var outcome = turnstile.StartMaintenance("mr-1", "technician on site", T0.AddMinutes(5));

        Assert.True(outcome.IsAccepted);
        Assert.Equal(TurnstileStatus.UnderMaintenance, turnstile.State!.Status);
        var started = Assert.IsType<TurnstileMaintenanceStarted>(Assert.Single(turnstile.Events));
        Assert.Equal(("mr-1", TurnstileStatus.Locked, "stn-1"), (started.RequestId, started.PreviousStatus, started.StationId));
        Assert.Equal("mr-1", turnstile.ToContract()!.MaintenanceRequestId);

        var passages = Reload(turnstile).RecordPassages(Batch("b-1", 1, 0), T0.AddMinutes(6), out _);
        Assert.Equal(ErrorReason.TurnstileUnderMaintenance, passages.Reason);
    }

    [Fact]
    public void Starting_the_same_maintenance_again_changes_nothing_and_another_request_is_refused()
    {
        var turnstile = Installed();
        turnstile.StartMaintenance("mr-1", "", T0);
        turnstile = Reload(turnstile);

        Assert.True(turnstile.StartMaintenance("mr-1", "", T0.AddMinutes(1)).IsAccepted);
        Assert.False(turnstile.Changed);
        var other = turnstile.StartMaintenance("mr-2", "", T0.AddMinutes(1));
        Assert.Equal(ErrorReason.TurnstileUnderMaintenance, other.Reason);
        Assert.Equal(ErrorReason.TurnstileUnderMaintenance, turnstile.Restore("by hand", T0).Reason);
    }

    [Fact]
    public void A_fault_reported_while_under_maintenance_changes_nothing()
    {
        var turnstile = Installed();
        turnstile.StartMaintenance("mr-1", "", T0);
        turnstile = Reload(turnstile);

        Assert.True(turnstile.ReportFault(new FaultReport { Kind = FaultKind.Malfunction }, T0.AddMinutes(1)).IsAccepted);

        Assert.Equal(TurnstileStatus.UnderMaintenance, turnstile.State!.Status);
        Assert.Empty(turnstile.Events);
    }

    [Fact]
    public void Completing_maintenance_restores_it_and_begins_a_new_cycle_so_the_threshold_is_raised_again_next_cycle()
    {
        var turnstile = Installed(max: 10);
        turnstile.RecordPassages(Batch("b-1", 6, 5), T0, out _);
        Assert.IsType<TurnstilePassageThresholdExceeded>(turnstile.Events[^1]);
        turnstile = Reload(turnstile);
        turnstile.StartMaintenance("mr-1", "", T0.AddHours(1));
        turnstile = Reload(turnstile);

        var outcome = turnstile.FinishMaintenance("mr-1", completed: true, "bearings replaced", T0.AddHours(2));

        Assert.True(outcome.IsAccepted);
        var restored = Assert.IsType<TurnstileRestored>(Assert.Single(turnstile.Events));
        Assert.Equal((TurnstileStatus.UnderMaintenance, TurnstileStatus.Operational, true, "mr-1"),
            (restored.PreviousStatus, restored.Status, restored.MaintenanceCompleted, restored.RequestId));
        var view = turnstile.ToContract()!;
        Assert.Equal((TurnstileStatus.Operational, 0L, 1, false, 11L), (view.Status, view.PassagesSinceMaintenance, view.MaintenanceCycles, view.PassageThresholdExceeded, view.IngressCount + view.EgressCount));
        Assert.Equal(T0.AddHours(2), view.LastMaintainedAt.ToDateTimeOffset());

        // The new cycle counts from zero: 9 passages stay below the maximum, the 10th crosses it again.
        turnstile = Reload(turnstile);
        turnstile.RecordPassages(Batch("b-2", 9, 0, T0.AddHours(2)), T0.AddHours(3), out _);
        Assert.DoesNotContain(turnstile.Events, e => e is TurnstilePassageThresholdExceeded);
        turnstile = Reload(turnstile);
        turnstile.RecordPassages(Batch("b-3", 1, 0, T0.AddHours(3)), T0.AddHours(3), out _);
        var exceeded = Assert.IsType<TurnstilePassageThresholdExceeded>(turnstile.Events[^1]);
        Assert.Equal((10L, 1, "b-3"), (exceeded.PassageCount, exceeded.MaintenanceCycles, exceeded.BatchId));
    }

    [Fact]
    public void Finishing_the_same_maintenance_twice_begins_one_new_cycle_only()
    {
        var turnstile = Installed();
        turnstile.StartMaintenance("mr-1", "", T0);
        turnstile = Reload(turnstile);
        turnstile.FinishMaintenance("mr-1", completed: true, "", T0.AddHours(1));
        turnstile = Reload(turnstile);

        Assert.True(turnstile.FinishMaintenance("mr-1", completed: true, "", T0.AddHours(2)).IsAccepted);

        Assert.False(turnstile.Changed);
        Assert.Equal(1, turnstile.State!.MaintenanceCycles);
    }

    [Fact]
    public void A_maintenance_called_off_returns_the_turnstile_to_its_status_before_and_keeps_the_cycle()
    {
        var turnstile = Installed(max: 10);
        turnstile.RecordPassages(Batch("b-1", 3, 0), T0, out _);
        turnstile.ReportFault(new FaultReport { Kind = FaultKind.Malfunction, Reason = "reader" }, T0);
        turnstile = Reload(turnstile);
        turnstile.StartMaintenance("mr-1", "", T0.AddMinutes(1));
        turnstile = Reload(turnstile);

        turnstile.FinishMaintenance("mr-1", completed: false, "work order cancelled", T0.AddMinutes(2));

        var view = turnstile.ToContract()!;
        Assert.Equal((TurnstileStatus.Faulted, FaultKind.Malfunction, "reader", 3L, 0, ""),
            (view.Status, view.FaultKind, view.StatusReason, view.PassagesSinceMaintenance, view.MaintenanceCycles, view.MaintenanceRequestId));
        var restored = Assert.IsType<TurnstileRestored>(Assert.Single(turnstile.Events));
        Assert.Equal((TurnstileStatus.Faulted, false), (restored.Status, restored.MaintenanceCompleted));
    }

    [Fact]
    public void A_decommissioned_turnstile_takes_no_maintenance()
    {
        var turnstile = Installed();
        turnstile.Decommission(new DecommissionTurnstile { Reason = "gone" }, T0, out _);
        turnstile = Reload(turnstile);

        Assert.Equal(ErrorReason.TurnstileDecommissioned, turnstile.StartMaintenance("mr-1", "", T0).Reason);
        Assert.Equal(ErrorReason.TurnstileDecommissioned, turnstile.FinishMaintenance("mr-1", true, "", T0).Reason);
    }

    [Fact]
    public void A_camera_fault_raises_CameraFaulted_at_the_cameras_station_once_per_fault_id()
    {
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);
        camera = Camera.Load("cam-1", camera.State);

        var outcome = camera.ReportFault(CameraFaultKind.NoSignal, "cable cut", T0.AddMinutes(1), "cam-1:7", T0.AddMinutes(2));

        Assert.True(outcome.IsAccepted);
        var faulted = Assert.IsType<CameraFaulted>(Assert.Single(camera.Events));
        Assert.Equal(("cam-1", "stn-1", "ts-1", CameraFaultKind.NoSignal, "cable cut", T0.AddMinutes(1)),
            (faulted.CameraId, faulted.StationId, faulted.TurnstileId, faulted.Kind, faulted.Reason, faulted.FaultedAt.ToDateTimeOffset()));
        var again = Camera.Load("cam-1", camera.State);
        Assert.True(again.ReportFault(CameraFaultKind.NoSignal, "cable cut", T0.AddMinutes(1), "cam-1:7", T0.AddMinutes(3)).IsAccepted);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void A_camera_remembers_the_last_RecentFaultCapacity_fault_ids()
    {
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);
        for (var i = 0; i <= Camera.RecentFaultCapacity; i++) camera.ReportFault(CameraFaultKind.NoSignal, "", null, $"f-{i}", T0);
        camera = Camera.Load("cam-1", camera.State);

        Assert.Equal(Camera.RecentFaultCapacity, camera.State!.RecentFaultIds.Count);
        Assert.True(camera.ReportFault(CameraFaultKind.NoSignal, "", null, $"f-{Camera.RecentFaultCapacity}", T0).IsAccepted);
        Assert.Empty(camera.Events);
        // The oldest id left the window: reported again, it is a new fault.
        Assert.True(camera.ReportFault(CameraFaultKind.NoSignal, "", null, "f-0", T0).IsAccepted);
        Assert.IsType<CameraFaulted>(Assert.Single(camera.Events));
    }

    [Fact]
    public void A_camera_never_installed_or_on_no_turnstile_reports_no_fault()
    {
        Assert.Equal(RefusalKind.NotFound, Camera.Load("cam-9", null).ReportFault(CameraFaultKind.Obstructed, "", null, null, T0).Kind);
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);
        camera = Camera.Load("cam-1", camera.State);
        camera.Uninstall(out _);

        Assert.Equal(ErrorReason.CameraNotInstalled, camera.ReportFault(CameraFaultKind.Obstructed, "", null, null, T0).Reason);
        Assert.Equal("kind", camera.ReportFault(CameraFaultKind.Unspecified, "", null, null, T0).Field);
    }
}
