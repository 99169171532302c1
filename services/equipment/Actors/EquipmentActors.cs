using Dapr.Actors;
using Dapr.Actors.Client;
using Mtaeda.Equipment.Domain;

namespace Mtaeda.Equipment.Actors;

/// <summary>Proxies to equipment's actors through the sidecar, and the steps that span more than one of them.</summary>
/// <param name="proxies">The actor proxy factory (registered by <c>AddActors</c>).</param>
public sealed class EquipmentActors(IActorProxyFactory proxies)
{
    /// <summary>The actor of a turnstile.</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <returns>Its proxy.</returns>
    public ITurnstileActor Turnstile(string turnstileId) =>
        proxies.CreateActorProxy<ITurnstileActor>(new ActorId(turnstileId), TurnstileActor.TypeName);

    /// <summary>The actor of a camera.</summary>
    /// <param name="cameraId">The camera.</param>
    /// <returns>Its proxy.</returns>
    public ICameraActor Camera(string cameraId) =>
        proxies.CreateActorProxy<ICameraActor>(new ActorId(cameraId), CameraActor.TypeName);

    /// <summary>The actor listing a station's turnstiles.</summary>
    /// <param name="stationId">The station.</param>
    /// <returns>Its proxy.</returns>
    public IStationEquipmentActor Station(string stationId) =>
        proxies.CreateActorProxy<IStationEquipmentActor>(new ActorId(stationId), StationEquipmentActor.TypeName);

    /// <summary>
    /// Decommissions a turnstile, then tells the camera it let go (if any) that it is free. Should the second step be
    /// lost (a crash in between), the camera finds out by itself the next time it is installed: it asks the turnstile it
    /// believes it is on.
    /// </summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="command">The command.</param>
    /// <returns>The turnstile's answer.</returns>
    public async Task<DecommissionTurnstileReply> DecommissionTurnstileAsync(string turnstileId, DecommissionTurnstile command)
    {
        var reply = await Turnstile(turnstileId).DecommissionAsync(command);
        if (reply.RemovedCameraId is { } cameraId) await Camera(cameraId).ReleasedByAsync(turnstileId);
        return reply;
    }
}
