using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Equipment.Domain;
using static Mtaeda.Equipment.Tests.Samples;

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
}
