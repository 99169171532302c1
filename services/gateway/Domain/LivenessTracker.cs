namespace Mtaeda.Gateway.Domain;

/// <summary>A device went silent past its deadline.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="StationId">Its station, as known.</param>
/// <param name="LastSeenAt">When it was last heard from.</param>
/// <param name="WentOfflineAt">When its deadline passed.</param>
public sealed record WentOffline(string DeviceId, string StationId, DateTimeOffset LastSeenAt, DateTimeOffset WentOfflineAt);

/// <summary>A device reported offline was heard from again.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="StationId">Its station, as known.</param>
/// <param name="OfflineSince">When it had been reported offline.</param>
/// <param name="CameBackAt">When it was heard from again.</param>
public sealed record CameBackOnline(string DeviceId, string StationId, DateTimeOffset OfflineSince, DateTimeOffset CameBackAt);

/// <summary>
/// Heartbeat deadlines: every message from a device is a sign of life; a device not heard from for
/// <paramref name="offlineAfter"/> is offline (reported once), and back online when heard from again. Only devices seen
/// since the gateway started are tracked. No I/O and no clock of its own: the caller passes the time.
/// </summary>
/// <param name="offlineAfter">The silence after which a device is offline.</param>
public sealed class LivenessTracker(TimeSpan offlineAfter)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, State> _devices = new(StringComparer.Ordinal);

    /// <summary>The silence after which a device is offline.</summary>
    public TimeSpan OfflineAfter { get; } = offlineAfter;

    /// <summary>Devices currently reported offline.</summary>
    public int OfflineCount
    {
        get
        {
            lock (_lock) return _devices.Values.Count(d => d.OfflineSince is not null);
        }
    }

    /// <summary>Records a sign of life; returns the event to publish when the device had been reported offline.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="stationId">Its station, as known now.</param>
    /// <param name="now">The time.</param>
    /// <returns>The come-back, or null.</returns>
    public CameBackOnline? Seen(string deviceId, string stationId, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_devices.TryGetValue(deviceId, out var state))
            {
                _devices[deviceId] = new State { LastSeen = now, StationId = stationId };
                return null;
            }
            if (now > state.LastSeen) state.LastSeen = now;
            if (stationId.Length > 0) state.StationId = stationId;
            if (state.OfflineSince is not { } since) return null;
            state.OfflineSince = null;
            return new CameBackOnline(deviceId, state.StationId, since, now);
        }
    }

    /// <summary>The devices whose deadline passed by <paramref name="now"/> and that were not reported yet (each once).</summary>
    /// <param name="now">The time.</param>
    /// <returns>The devices going offline now.</returns>
    public IReadOnlyList<WentOffline> Sweep(DateTimeOffset now)
    {
        List<WentOffline>? offline = null;
        lock (_lock)
        {
            foreach (var (id, state) in _devices)
            {
                if (state.OfflineSince is not null) continue;
                var deadline = state.LastSeen + OfflineAfter;
                if (now < deadline) continue;
                state.OfflineSince = deadline;
                (offline ??= []).Add(new WentOffline(id, state.StationId, state.LastSeen, deadline));
            }
        }
        return offline ?? (IReadOnlyList<WentOffline>)[];
    }

    private sealed class State
    {
        public DateTimeOffset LastSeen { get; set; }
        public DateTimeOffset? OfflineSince { get; set; }
        public string StationId { get; set; } = "";
    }
}
