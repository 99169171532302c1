using System.Collections.Concurrent;
using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.Identification.Tests.Support;

/// <summary>
/// Equipment as identification asks it about a camera (<c>GetCamera</c>, through the sidecar): the cameras installed, the
/// others NotFound, as equipment answers for a camera never installed.
/// </summary>
internal sealed class FakeEquipment : Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentBase
{
    private readonly ConcurrentDictionary<string, Camera> _cameras = new(StringComparer.Ordinal);
    private int _asked;

    /// <summary>How many times a camera was asked for.</summary>
    public int Asked => Volatile.Read(ref _asked);

    /// <summary>Installs <paramref name="cameraId"/> on <paramref name="turnstileId"/> at <paramref name="stationId"/>, at <paramref name="at"/>.</summary>
    public void Install(string cameraId, string turnstileId, string stationId, DateTimeOffset at) =>
        _cameras[cameraId] = new Camera
        {
            CameraId = cameraId, TurnstileId = turnstileId, StationId = stationId, Status = CameraStatus.Operational, InstalledAt = Timestamp.FromDateTimeOffset(at),
        };

    /// <inheritdoc />
    public override Task<Camera> GetCamera(GetCameraRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _asked);
        return _cameras.TryGetValue(request.CameraId, out var camera)
            ? Task.FromResult(camera)
            : throw new RpcException(new Status(StatusCode.NotFound, $"camera {request.CameraId} is not installed"));
    }
}
