using System.Collections.Concurrent;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.ServiceDefaults;
using EquipmentClient = Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentClient;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>
/// The cameras identification accepts captures from, learned from equipment's <c>CameraInstalled</c> and
/// <c>TurnstileCameraUninstalled</c>, kept in the store and cached here (a camera is looked up once per capture).
/// <para>
/// Events of different topics arrive in no set order (Redis pub/sub delivers with several workers, Kafka keeps order per
/// partition only), so a capture can come from a camera whose <c>CameraInstalled</c> is still on its way. A camera not
/// known on the capture's turnstile is therefore asked of equipment (<c>GetCamera</c>, by service invocation through the
/// sidecar) before the capture is refused: installed there, it is recorded as the event would record it and the capture
/// goes on; not installed there (or unknown to equipment), the capture is refused as before. When equipment cannot be
/// asked the capture is answered Unavailable, not refused as unknown. Redelivery cannot help here: captures come by
/// service invocation, once, and are never queued.
/// </para>
/// <para>
/// A removal is kept as a record without a turnstile (<see cref="CameraRecord.RemovedAt"/>), so that an older
/// installation arriving after it (a reversed pair of events, or equipment's answer to a capture crossing the removal)
/// does not bring the camera back.
/// </para>
/// </summary>
/// <param name="store">Identification's store.</param>
/// <param name="equipment">Equipment's client, through the sidecar.</param>
public sealed class CameraDirectory(IdentificationStore store, EquipmentClient equipment)
{
    private readonly ConcurrentDictionary<string, CameraRecord> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The camera when it is installed on <paramref name="turnstileId"/>: as recorded, or else as equipment answers (then
    /// recorded); null when it is not installed there.
    /// </summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="turnstileId">The turnstile the capture names.</param>
    /// <param name="cancellationToken">Cancels the look-up.</param>
    /// <returns>The camera, or null.</returns>
    /// <exception cref="RpcException">Unavailable: the camera is not recorded there and equipment could not be asked.</exception>
    public async ValueTask<CameraRecord?> FindAsync(string cameraId, string turnstileId, CancellationToken cancellationToken)
    {
        var known = await RecordedAsync(cameraId, cancellationToken);
        if (known is not null && known.TurnstileId == turnstileId) return known;
        var installed = await AskEquipmentAsync(cameraId, cancellationToken);
        if (installed is null) return null;
        var current = await InstalledAsync(installed, cancellationToken);
        return current.TurnstileId == turnstileId ? current : null;
    }

    /// <summary>A camera was installed on a turnstile (a later installation or removal recorded wins).</summary>
    /// <param name="camera">The installation.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The record in force afterwards.</returns>
    public async Task<CameraRecord> InstalledAsync(CameraRecord camera, CancellationToken cancellationToken)
    {
        var current = await StateTransactions.RetryAsync(async ct =>
        {
            var (current, etag) = await store.GetAsync<CameraRecord>(IdentificationStore.CameraKey(camera.CameraId), ct);
            if (current is not null && ChangedAt(current) > camera.InstalledAt) return (true, current);
            return (await store.TryCommitAsync([new StateWrite(IdentificationStore.CameraKey(camera.CameraId), StateTransactions.Json(camera), etag)], ct), camera);
        }, "recording a camera", cancellationToken);
        _cache.TryRemove(camera.CameraId, out _);
        return current;
    }

    /// <summary>
    /// A camera was removed from a turnstile at <paramref name="at"/>: kept as removed, unless a later change is recorded.
    /// Without a time (<see cref="DateTimeOffset.MaxValue"/>) there is nothing to order by: the record is deleted.
    /// </summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="turnstileId">The turnstile it was removed from.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task UninstalledAsync(string cameraId, string turnstileId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await StateTransactions.RetryAsync(async ct =>
        {
            var (current, etag) = await store.GetAsync<CameraRecord>(IdentificationStore.CameraKey(cameraId), ct);
            if (current is not null && ChangedAt(current) > at) return (true, 0);
            var removed = at == DateTimeOffset.MaxValue
                ? null
                : StateTransactions.Json(new CameraRecord(cameraId, "", "", current?.InstalledAt ?? at, RemovedAt: at));
            return (await store.TryCommitAsync([new StateWrite(IdentificationStore.CameraKey(cameraId), removed, etag)], ct), 0);
        }, "removing a camera", cancellationToken);
        _cache.TryRemove(cameraId, out _);
    }

    private static DateTimeOffset ChangedAt(CameraRecord camera) => camera.RemovedAt ?? camera.InstalledAt;

    private async ValueTask<CameraRecord?> RecordedAsync(string cameraId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(cameraId, out var known)) return known;
        var (record, _) = await store.GetAsync<CameraRecord>(IdentificationStore.CameraKey(cameraId), cancellationToken);
        if (record is not null) _cache[cameraId] = record;
        return record;
    }

    /// <summary>The camera's installation as equipment holds it; null when it is on no turnstile or equipment knows no such camera.</summary>
    private async Task<CameraRecord?> AskEquipmentAsync(string cameraId, CancellationToken cancellationToken)
    {
        Camera camera;
        try
        {
            camera = await equipment.GetCameraAsync(new GetCameraRequest { CameraId = cameraId }, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw Errors.Unavailable($"camera_id: camera '{cameraId}' is not known on that turnstile yet and equipment could not be asked ({e.StatusCode}); retry shortly");
        }
        if (camera.TurnstileId.Length == 0 || camera.InstalledAt is null) return null;
        return new CameraRecord(cameraId, camera.TurnstileId, camera.StationId, camera.InstalledAt.ToDateTimeOffset());
    }
}
