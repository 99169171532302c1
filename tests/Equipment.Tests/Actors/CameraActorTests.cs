using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Domain;
using Mtaeda.Equipment.Tests.Support;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Tests.Actors;

/// <summary>The camera actor with turnstile actors beside it: what each one saves and emits.</summary>
public sealed class CameraActorTests : ActorWorldTest
{
    private IEnumerable<string> Types(string actorType, string id) =>
        World.Outbox(actorType, id).Select(e => e.Type["mtaeda.equipment.v1.".Length..]);

    private async Task InstallTurnstileAsync(string id, string station = "stn-1") =>
        Assert.True((await World.Turnstile(id).InstallAsync(Install(station))).Outcome.IsAccepted);

    [Fact]
    public async Task Installing_a_camera_puts_it_on_the_turnstile_and_each_actor_emits_its_event()
    {
        await InstallTurnstileAsync("ts-1");

        var reply = await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });

        Assert.True(reply.Outcome.IsAccepted, reply.Outcome.Message);
        Assert.Equal("stn-1", reply.StationId);
        Assert.Equal(T0, reply.InstalledAt);
        Assert.Equal("cam-1", (await World.Turnstile("ts-1").GetAsync())!.CameraId);
        Assert.Equal("ts-1", (await World.Camera("cam-1").GetAsync())!.TurnstileId);
        Assert.Equal(["CameraInstalled"], Types(CameraActor.TypeName, "cam-1"));
        Assert.Equal(["TurnstileInstalled", "TurnstileCameraInstalled"], Types(TurnstileActor.TypeName, "ts-1"));
        var installed = IntegrationEvents.FromJson<CameraInstalled>(World.Outbox(CameraActor.TypeName, "cam-1")[0].Json);
        Assert.Equal("CAM-77", installed.Model.SerialNumber);
    }

    [Fact]
    public async Task Installing_the_same_camera_again_changes_nothing()
    {
        await InstallTurnstileAsync("ts-1");
        await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });

        var again = await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });

        Assert.True(again.Outcome.IsAccepted);
        Assert.Single(World.Outbox(CameraActor.TypeName, "cam-1"));
        Assert.Equal(2, World.Outbox(TurnstileActor.TypeName, "ts-1").Count);
    }

    [Fact]
    public async Task A_camera_goes_on_no_unknown_or_occupied_turnstile_and_stays_where_it_is()
    {
        await InstallTurnstileAsync("ts-1");
        await InstallTurnstileAsync("ts-2");
        await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });

        var unknown = await World.Camera("cam-2").InstallAsync(new InstallCamera { TurnstileId = "ts-9", Model = Lens });
        var occupied = await World.Camera("cam-2").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });
        var elsewhere = await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-2", Model = Lens });

        Assert.Equal(RefusalKind.NotFound, unknown.Outcome.Kind);
        Assert.Equal(RefusalKind.FailedPrecondition, occupied.Outcome.Kind);
        Assert.Equal(RefusalKind.FailedPrecondition, elsewhere.Outcome.Kind);
        Assert.Contains("ts-1", elsewhere.Outcome.Message, StringComparison.Ordinal);
        Assert.Null(await World.Camera("cam-2").GetAsync());
        Assert.Null((await World.Turnstile("ts-2").GetAsync())!.CameraId);
    }

    [Fact]
    public async Task Uninstalling_takes_the_camera_off_its_turnstile_which_emits_TurnstileCameraUninstalled()
    {
        await InstallTurnstileAsync("ts-1");
        await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });

        var reply = await World.Camera("cam-1").UninstallAsync("lens replaced");
        var again = await World.Camera("cam-1").UninstallAsync("again");

        Assert.Equal("ts-1", reply.TurnstileId);
        Assert.True(again.Outcome.IsAccepted);
        Assert.Equal("", again.TurnstileId);
        Assert.Null((await World.Turnstile("ts-1").GetAsync())!.CameraId);
        Assert.Equal(["TurnstileInstalled", "TurnstileCameraInstalled", "TurnstileCameraUninstalled"], Types(TurnstileActor.TypeName, "ts-1"));
        var removed = IntegrationEvents.FromJson<TurnstileCameraUninstalled>(World.Outbox(TurnstileActor.TypeName, "ts-1")[^1].Json);
        Assert.Equal("lens replaced", removed.Reason);
        Assert.Equal(RefusalKind.NotFound, (await World.Camera("cam-9").UninstallAsync("")).Outcome.Kind);
    }

    [Fact]
    public async Task A_camera_whose_turnstile_was_decommissioned_behind_its_back_can_be_installed_elsewhere()
    {
        await InstallTurnstileAsync("ts-1");
        await InstallTurnstileAsync("ts-2");
        await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });
        // The turnstile lets the camera go, but the camera is never told (a crash before ReleasedByAsync).
        await World.Turnstile("ts-1").DecommissionAsync(new DecommissionTurnstile { Reason = "replaced" });

        var reply = await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-2", Model = Lens });

        Assert.True(reply.Outcome.IsAccepted, reply.Outcome.Message);
        Assert.Equal("ts-2", (await World.Camera("cam-1").GetAsync())!.TurnstileId);
    }

    [Fact]
    public async Task Decommissioning_through_the_facade_frees_the_camera()
    {
        await InstallTurnstileAsync("ts-1");
        await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });

        var reply = await World.Equipment.DecommissionTurnstileAsync("ts-1", new DecommissionTurnstile { Reason = "replaced" });

        Assert.Equal("cam-1", reply.RemovedCameraId);
        Assert.Null((await World.Camera("cam-1").GetAsync())!.TurnstileId);
    }

    [Fact]
    public async Task Uninstalling_a_camera_its_decommissioned_turnstile_already_let_go_answers_no_turnstile_and_raises_nothing()
    {
        await InstallTurnstileAsync("ts-1");
        await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });
        // Decommissioned without the camera being told (the step after it was lost).
        await World.Turnstile("ts-1").DecommissionAsync(new DecommissionTurnstile { Reason = "worn out" });

        var reply = await World.Camera("cam-1").UninstallAsync("lens replaced");

        Assert.True(reply.Outcome.IsAccepted);
        Assert.Equal("", reply.TurnstileId);
        Assert.Null((await World.Camera("cam-1").GetAsync())!.TurnstileId);
        // One TurnstileCameraUninstalled, raised by the decommission; none by the uninstall.
        Assert.Equal(["TurnstileInstalled", "TurnstileCameraInstalled", "TurnstileCameraUninstalled", "TurnstileDecommissioned"], Types(TurnstileActor.TypeName, "ts-1"));
    }
}
