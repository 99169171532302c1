using System.Collections.Concurrent;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>
/// The cameras identification accepts captures from, learned from equipment's <c>CameraInstalled</c> and
/// <c>TurnstileCameraUninstalled</c>, kept in the store and cached here (a camera is looked up once per capture).
/// </summary>
public sealed class CameraDirectory(IdentificationStore store)
{
    private readonly ConcurrentDictionary<string, CameraRecord> _cache = new(StringComparer.Ordinal);

    /// <summary>The camera, or null when identification knows no such camera.</summary>
    public async ValueTask<CameraRecord?> FindAsync(string cameraId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(cameraId, out var known)) return known;
        var (record, _) = await store.GetAsync<CameraRecord>(IdentificationStore.CameraKey(cameraId), cancellationToken);
        if (record is not null) _cache[cameraId] = record;
        return record;
    }

    /// <summary>A camera was installed on a turnstile (a later installation replaces an earlier one).</summary>
    public async Task InstalledAsync(CameraRecord camera, CancellationToken cancellationToken)
    {
        await StateTransactions.RetryAsync(async ct =>
        {
            var (current, etag) = await store.GetAsync<CameraRecord>(IdentificationStore.CameraKey(camera.CameraId), ct);
            if (current is not null && current.InstalledAt > camera.InstalledAt) return (true, 0);
            return (await store.TryCommitAsync([new StateWrite(IdentificationStore.CameraKey(camera.CameraId), StateTransactions.Json(camera), etag)], ct), 0);
        }, "recording a camera", cancellationToken);
        _cache.TryRemove(camera.CameraId, out _);
    }

    /// <summary>A camera was removed from a turnstile; ignored when a later installation is recorded.</summary>
    public async Task UninstalledAsync(string cameraId, string turnstileId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await StateTransactions.RetryAsync(async ct =>
        {
            var (current, etag) = await store.GetAsync<CameraRecord>(IdentificationStore.CameraKey(cameraId), ct);
            if (current is null || current.TurnstileId != turnstileId || current.InstalledAt > at) return (true, 0);
            return (await store.TryCommitAsync([new StateWrite(IdentificationStore.CameraKey(cameraId), null, etag)], ct), 0);
        }, "removing a camera", cancellationToken);
        _cache.TryRemove(cameraId, out _);
    }
}
