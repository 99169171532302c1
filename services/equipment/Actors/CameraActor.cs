using Dapr.Actors;
using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Contracts;
using Mtaeda.Equipment.Domain;
using Mtaeda.ServiceDefaults;
using CameraStatus = Mtaeda.Contracts.Equipment.V1.CameraStatus;

namespace Mtaeda.Equipment.Actors;

/// <summary>
/// The camera's actor. Installing and uninstalling need the turnstile too: the camera calls the turnstile's actor from
/// its own turn (camera → turnstile only, never back, so the two can never wait on each other), and saves its own
/// state after the turnstile agreed. A retry after a failure in between converges, because the turnstile's side is
/// idempotent.
/// </summary>
[Actor(TypeName = TypeName)]
public sealed class CameraActor : DeviceActor<Camera, CameraState, CameraStatus>, ICameraActor
{
    /// <summary>The actor type.</summary>
    public const string TypeName = "Camera";

    /// <summary>The state key holding the <see cref="CameraState"/>.</summary>
    public const string StateKey = "camera";

    /// <summary>Creates the actor.</summary>
    /// <param name="host">The actor host.</param>
    /// <param name="dapr">The Dapr client the outbox publishes with.</param>
    /// <param name="time">The clock.</param>
    /// <param name="stateManager">A state manager to use instead of the runtime's (tests).</param>
    public CameraActor(ActorHost host, DaprClient dapr, TimeProvider time, IActorStateManager? stateManager = null)
        : base(host, dapr, time, StateKey, Camera.Load, stateManager)
    {
    }

    /// <inheritdoc />
    public async Task<InstallCameraReply> InstallAsync(InstallCamera command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var camera = await LoadAsync();
        var check = camera.CanInstall(command.TurnstileId, command.Model);
        if (check.Kind == RefusalKind.FailedPrecondition && camera.TurnstileId is { } holder && await LetGoByAsync(holder))
        {
            // The turnstile it was on no longer holds it (decommissioned): the camera is free.
            camera.ReleasedBy(holder);
            check = camera.CanInstall(command.TurnstileId, command.Model);
        }
        if (!check.IsAccepted) return await RefuseAsync(camera, check);

        var attached = await Turnstile(command.TurnstileId).AttachCameraAsync(Id.GetId());
        if (!attached.Outcome.IsAccepted)
        {
            // The turnstile holds no camera of this id (otherwise it would have agreed), so the camera is not on it.
            camera.ReleasedBy(command.TurnstileId);
            return await RefuseAsync(camera, attached.Outcome);
        }

        var outcome = camera.Install(command.TurnstileId, attached.StationId, command.Model, Now);
        await SaveAsync(camera);
        return new() { Outcome = outcome, StationId = camera.State?.StationId ?? "", InstalledAt = camera.State?.InstalledAt ?? default };
    }

    /// <inheritdoc />
    public async Task<UninstallCameraReply> UninstallAsync(string reason)
    {
        var camera = await LoadAsync();
        var outcome = camera.Uninstall(out var turnstileId);
        var removedFrom = "";
        if (outcome.IsAccepted && turnstileId is not null)
        {
            // NotFound cannot happen for a turnstile that accepted the camera; anything else throws and nothing is saved.
            // A turnstile that no longer holds the camera (it let it go when decommissioned, and the camera was not told)
            // raises nothing: the camera was on no turnstile, which is what the answer says.
            var detached = await Turnstile(turnstileId).DetachCameraAsync(new CameraDetachment { CameraId = Id.GetId(), Reason = reason ?? "" });
            if (detached.Detached) removedFrom = turnstileId;
        }
        await SaveAsync(camera);
        return new() { Outcome = outcome, TurnstileId = removedFrom };
    }

    /// <inheritdoc />
    public async Task ReleasedByAsync(string turnstileId)
    {
        var camera = await LoadAsync();
        camera.ReleasedBy(turnstileId);
        await SaveAsync(camera);
    }

    /// <inheritdoc />
    public async Task<ReportCameraFaultReply> ReportFaultAsync(CameraFaultReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var (camera, outcome) = await RunAsync(c => c.ReportFault(report.Kind, report.Reason ?? "", report.OccurredAt, report.FaultId, Now));
        return new() { Outcome = outcome, StationId = outcome.IsAccepted ? camera.State?.StationId ?? "" : "" };
    }

    /// <inheritdoc />
    public async Task<CameraState?> GetAsync() => (await LoadAsync()).State;

    private ITurnstileActor Turnstile(string turnstileId) =>
        ProxyFactory.CreateActorProxy<ITurnstileActor>(new ActorId(turnstileId), TurnstileActor.TypeName);

    private async Task<bool> LetGoByAsync(string turnstileId)
    {
        var holder = await Turnstile(turnstileId).GetAsync();
        return holder?.CameraId != Id.GetId();
    }

    private async Task<InstallCameraReply> RefuseAsync(Camera camera, Outcome outcome)
    {
        await SaveAsync(camera);
        return new() { Outcome = outcome };
    }
}
