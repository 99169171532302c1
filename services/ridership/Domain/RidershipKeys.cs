namespace Mtaeda.Ridership.Domain;

/// <summary>
/// The state keys of the read side. Ids follow the id convention (no <c>:</c>), so the keys are unambiguous; event
/// and batch ids, which may be anything, are URI-escaped. Dapr adds the app-id prefix (<c>ridership||</c>) itself.
/// </summary>
public static class RidershipKeys
{
    /// <summary>Counts per minute of one hour at a station.</summary>
    /// <param name="stationId">The station.</param>
    /// <param name="hour">The hour.</param>
    /// <returns>The key.</returns>
    public static string StationHour(string stationId, DateTimeOffset hour) => $"ridership:station:{stationId}:{Minutes.HourKey(hour)}";

    /// <summary>Counts per minute of one hour through a turnstile.</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="hour">The hour.</param>
    /// <returns>The key.</returns>
    public static string TurnstileHour(string turnstileId, DateTimeOffset hour) => $"ridership:turnstile:{turnstileId}:{Minutes.HourKey(hour)}";

    /// <summary>Counts per minute of one hour on a line.</summary>
    /// <param name="lineId">The line.</param>
    /// <param name="hour">The hour.</param>
    /// <returns>The key.</returns>
    public static string LineHour(string lineId, DateTimeOffset hour) => $"ridership:line:{lineId}:{Minutes.HourKey(hour)}";

    /// <summary>The network's counts per minute of one hour.</summary>
    /// <param name="hour">The hour.</param>
    /// <returns>The key.</returns>
    public static string NetworkHour(DateTimeOffset hour) => $"ridership:network:hour:{Minutes.HourKey(hour)}";

    /// <summary>The network's counts per hour of one day.</summary>
    /// <param name="day">The day.</param>
    /// <returns>The key.</returns>
    public static string NetworkDay(DateTimeOffset day) => $"ridership:network:day:{Minutes.DayKey(day)}";

    /// <summary>Everything counted, with when counting began.</summary>
    public const string NetworkTotal = "ridership:network:total";

    /// <summary>A turnstile's station, as its passages tell it.</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <returns>The key.</returns>
    public static string TurnstileInfo(string turnstileId) => $"ridership:turnstile-info:{turnstileId}";

    /// <summary>The marker of a counted event (CloudEvent id).</summary>
    /// <param name="eventId">The CloudEvent id.</param>
    /// <returns>The key.</returns>
    public static string CountedEvent(string eventId) => $"ridership:event:{Uri.EscapeDataString(eventId)}";

    /// <summary>The marker of a counted batch (equipment raises one event per turnstile and batch).</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="batchId">The batch.</param>
    /// <returns>The key.</returns>
    public static string CountedBatch(string turnstileId, string batchId) => $"ridership:batch:{turnstileId}:{Uri.EscapeDataString(batchId)}";
}
