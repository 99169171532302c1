namespace Mtaeda.Stations.Infrastructure;

/// <summary>Tells a Station actor about something at its station that another service announced (one entry per event).</summary>
/// <typeparam name="TEntry">What the station records.</typeparam>
public interface IStationRecorder<in TEntry>
{
    /// <summary>Records the entry at the station.</summary>
    /// <param name="eventType">The event, for a refusal.</param>
    /// <param name="stationId">The station.</param>
    /// <param name="entry">What the station records.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    /// <exception cref="Mtaeda.ServiceDefaults.InvalidEventException">An id breaks the id convention: the event can never be recorded.</exception>
    Task RecordAsync(string eventType, string stationId, TEntry entry, CancellationToken cancellationToken);
}
