using Mtaeda.Contracts.Common.V1;
using Mtaeda.Equipment.Domain;
using Camera = Mtaeda.Equipment.Domain.Camera;

namespace Mtaeda.Equipment.Tests.Domain;

public sealed class CameraTests
{
    [Fact]
    public void Installing_raises_CameraInstalled_with_its_model_station_and_turnstile()
    {
        var camera = Camera.Load("cam-1", null);

        var outcome = camera.Install("ts-1", "stn-1", Lens, T0);

        Assert.True(outcome.IsAccepted);
        var installed = Assert.IsType<CameraInstalled>(Assert.Single(camera.Events));
        Assert.Equal("cam-1", installed.CameraId);
        Assert.Equal("ts-1", installed.TurnstileId);
        Assert.Equal("stn-1", installed.StationId);
        Assert.Equal("CAM-77", installed.Model.SerialNumber);
        Assert.Equal(T0, installed.InstalledAt.ToDateTimeOffset());
    }

    [Fact]
    public void Installing_again_on_the_same_turnstile_changes_nothing()
    {
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);
        var reloaded = Camera.Load("cam-1", camera.State);

        Assert.True(reloaded.Install("ts-1", "stn-1", Lens, T0.AddHours(1)).IsAccepted);
        Assert.False(reloaded.Changed);
        Assert.Equal(T0, reloaded.State!.InstalledAt);
    }

    [Fact]
    public void A_camera_on_a_turnstile_cannot_go_on_another_and_other_model_information_is_another_device()
    {
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);

        Assert.Equal(RefusalKind.FailedPrecondition, camera.CanInstall("ts-2", Lens).Kind);
        Assert.Equal(RefusalKind.AlreadyExists, camera.CanInstall("ts-1", Lens with { SerialNumber = "CAM-78" }).Kind);
        Assert.Equal("model.manufacturer is required", camera.CanInstall("ts-1", Lens with { Manufacturer = " " }).Message);
    }

    [Fact]
    public void Uninstalling_forgets_the_turnstile_and_answers_which_it_was()
    {
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);
        var reloaded = Camera.Load("cam-1", camera.State);

        Assert.True(reloaded.Uninstall(out var turnstile).IsAccepted);
        Assert.Equal("ts-1", turnstile);
        Assert.Null(reloaded.State!.TurnstileId);
        Assert.True(reloaded.Changed);
        Assert.Empty(reloaded.Events);

        Assert.True(reloaded.Uninstall(out var none).IsAccepted);
        Assert.Null(none);
        Assert.Equal(RefusalKind.NotFound, Camera.Load("cam-9", null).Uninstall(out _).Kind);
        Assert.True(reloaded.Install("ts-2", "stn-2", Lens, T0).IsAccepted);
    }

    [Fact]
    public void Being_released_by_a_turnstile_frees_the_camera_only_if_it_was_on_that_one()
    {
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);

        camera.ReleasedBy("ts-2");
        Assert.Equal("ts-1", camera.TurnstileId);

        camera.ReleasedBy("ts-1");
        Assert.Null(camera.TurnstileId);
    }

    [Fact]
    public void Starting_maintenance_makes_the_camera_UNDER_MAINTENANCE_once_and_finishing_it_makes_it_OPERATIONAL_again()
    {
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);
        camera = Camera.Load("cam-1", camera.State);
        Assert.Equal(CameraStatus.Operational, camera.Status);

        Assert.True(camera.StartMaintenance("mr-1", "technician on site", T0.AddMinutes(5)).IsAccepted);
        Assert.Equal(CameraStatus.UnderMaintenance, camera.Status);
        var started = Assert.IsType<CameraMaintenanceStarted>(Assert.Single(camera.Events));
        Assert.Equal(("cam-1", "stn-1", "ts-1", "mr-1"), (started.CameraId, started.StationId, started.TurnstileId, started.RequestId));
        Assert.Equal(("mr-1", CameraStatus.UnderMaintenance), (camera.ToContract()!.MaintenanceRequestId, camera.ToContract()!.Status));

        camera = Camera.Load("cam-1", camera.State);
        Assert.True(camera.StartMaintenance("mr-1", "", T0.AddMinutes(6)).IsAccepted);
        Assert.False(camera.Changed);
        Assert.Equal(ErrorReason.CameraUnderMaintenance, camera.StartMaintenance("mr-2", "", T0.AddMinutes(6)).Reason);
        // A finish for another request, or a repeat, changes nothing.
        Assert.True(camera.FinishMaintenance("mr-2", completed: true, "", T0.AddMinutes(7)).IsAccepted);
        Assert.False(camera.Changed);

        Assert.True(camera.FinishMaintenance("mr-1", completed: true, "lens cleaned", T0.AddMinutes(30)).IsAccepted);
        Assert.Equal(CameraStatus.Operational, camera.Status);
        var restored = Assert.IsType<CameraRestored>(Assert.Single(camera.Events));
        Assert.Equal(("cam-1", "stn-1", "mr-1", true), (restored.CameraId, restored.StationId, restored.RequestId, restored.MaintenanceCompleted));
        Assert.Equal(T0.AddMinutes(30), camera.State!.LastMaintainedAt);
        camera = Camera.Load("cam-1", camera.State);
        Assert.True(camera.FinishMaintenance("mr-1", completed: true, "", T0.AddMinutes(31)).IsAccepted);
        Assert.False(camera.Changed);
    }

    [Fact]
    public void Maintenance_called_off_restores_the_camera_without_counting_as_maintained_and_an_uninstalled_or_unknown_camera_is_refused()
    {
        var camera = Camera.Load("cam-1", null);
        camera.Install("ts-1", "stn-1", Lens, T0);
        camera.StartMaintenance("mr-1", "", T0);
        camera = Camera.Load("cam-1", camera.State);

        Assert.True(camera.FinishMaintenance("mr-1", completed: false, "work order cancelled", T0.AddMinutes(1)).IsAccepted);
        Assert.Equal(CameraStatus.Operational, camera.Status);
        Assert.False(Assert.IsType<CameraRestored>(Assert.Single(camera.Events)).MaintenanceCompleted);
        Assert.Null(camera.State!.LastMaintainedAt);

        camera = Camera.Load("cam-1", camera.State);
        camera.Uninstall(out _);
        Assert.Equal(ErrorReason.CameraNotInstalled, camera.StartMaintenance("mr-2", "", T0.AddMinutes(2)).Reason);
        Assert.Equal(RefusalKind.NotFound, Camera.Load("cam-9", null).StartMaintenance("mr-2", "", T0).Kind);
        Assert.Equal(RefusalKind.NotFound, Camera.Load("cam-9", null).FinishMaintenance("mr-2", true, "", T0).Kind);
    }
}
