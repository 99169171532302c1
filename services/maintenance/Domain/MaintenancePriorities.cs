namespace Mtaeda.Maintenance.Domain;

/// <summary>How busy a station is, from ridership's figures.</summary>
public enum StationLoad
{
    /// <summary>Ridership could not say (unavailable, or no figures yet).</summary>
    Unknown = 0,

    /// <summary>Below the busy threshold.</summary>
    Quiet = 1,

    /// <summary>At or above the busy threshold.</summary>
    Busy = 2,
}

/// <summary>
/// The priority of a maintenance request: what is wrong, weighed by how many riders it affects. A device out of service
/// (locked, faulted) outranks a worn or scheduled one; a busy station outranks a quiet one; a locked turnstile at a busy
/// station is the most urgent. When ridership cannot say how busy the station is, a device out of service is treated as
/// at a busy station but one locked at an unknown station is not made critical, and a worn or scheduled device as at a
/// quiet one: an outage is never under-ranked for want of figures, and no figure is invented to make it critical.
/// </summary>
public static class MaintenancePriorities
{
    /// <summary>The priority of a request.</summary>
    /// <param name="cause">Why maintenance is needed.</param>
    /// <param name="load">How busy the device's station is.</param>
    /// <returns>The priority.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The cause is unspecified.</exception>
    public static MaintenancePriority Of(MaintenanceCause cause, StationLoad load) => (cause, load) switch
    {
        (MaintenanceCause.Locked, StationLoad.Busy) => MaintenancePriority.Critical,
        (MaintenanceCause.Locked, _) => MaintenancePriority.High,
        (MaintenanceCause.Faulted or MaintenanceCause.CameraFault, StationLoad.Quiet) => MaintenancePriority.Medium,
        (MaintenanceCause.Faulted or MaintenanceCause.CameraFault, _) => MaintenancePriority.High,
        (MaintenanceCause.Worn or MaintenanceCause.Scheduled, StationLoad.Busy) => MaintenancePriority.Medium,
        (MaintenanceCause.Worn or MaintenanceCause.Scheduled, _) => MaintenancePriority.Low,
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, "a maintenance request needs a cause"),
    };

    /// <summary>How busy a station is: its entries and exits per minute against the busy threshold.</summary>
    /// <param name="passagesPerMinute">Average passages per minute over the recent window; null when ridership could not say.</param>
    /// <param name="busyPassagesPerMinute">The threshold.</param>
    /// <returns>The load.</returns>
    public static StationLoad LoadOf(double? passagesPerMinute, double busyPassagesPerMinute) => passagesPerMinute switch
    {
        null => StationLoad.Unknown,
        var rate when rate >= busyPassagesPerMinute => StationLoad.Busy,
        _ => StationLoad.Quiet,
    };

    /// <summary>How busy a station is from its entries and exits over a window (ridership's station figures).</summary>
    /// <param name="passages">Entries plus exits counted in the window.</param>
    /// <param name="window">The window (at least a minute).</param>
    /// <param name="busyPassagesPerMinute">The threshold.</param>
    /// <returns>The load.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The window is shorter than a minute, or the count negative.</exception>
    public static StationLoad LoadOf(long passages, TimeSpan window, double busyPassagesPerMinute)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromMinutes(1));
        ArgumentOutOfRangeException.ThrowIfNegative(passages);
        return LoadOf(passages / window.TotalMinutes, busyPassagesPerMinute);
    }
}
