namespace Mtaeda.Ridership.Domain;

/// <summary>What a counter document is, for <see cref="Counting.Apply"/>.</summary>
public enum TallyRole
{
    /// <summary>An hour bucket (station, turnstile, line or network): slot = minute of the hour.</summary>
    Hour = 1,

    /// <summary>The network's day bucket: slot = hour of the day.</summary>
    Day = 2,

    /// <summary>The network total.</summary>
    Total = 3,
}

/// <summary>One counter document a batch adds to.</summary>
/// <param name="Key">Its state key.</param>
/// <param name="Role">What kind of document it is.</param>
public sealed record TallyUpdate(string Key, TallyRole Role);

/// <summary>
/// Which counters a batch touches and how it changes each: its station, turnstile and lines per minute, the network
/// per minute and per hour, and the network total. Pure; the handler reads the documents, applies this and writes
/// them back in one transaction with the event's marker.
/// </summary>
public static class Counting
{
    /// <summary>The counter documents <paramref name="batch"/> adds to, each once.</summary>
    /// <param name="batch">The batch.</param>
    /// <returns>The updates.</returns>
    public static IReadOnlyList<TallyUpdate> Plan(PassageBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var hour = Minutes.Hour(batch.Minute);
        var updates = new List<TallyUpdate>(batch.LineIds.Count + 5)
        {
            new(RidershipKeys.StationHour(batch.StationId, hour), TallyRole.Hour),
            new(RidershipKeys.TurnstileHour(batch.TurnstileId, hour), TallyRole.Hour),
        };
        updates.AddRange(batch.LineIds.Select(line => new TallyUpdate(RidershipKeys.LineHour(line, hour), TallyRole.Hour)));
        updates.Add(new(RidershipKeys.NetworkHour(hour), TallyRole.Hour));
        updates.Add(new(RidershipKeys.NetworkDay(Minutes.Day(hour)), TallyRole.Day));
        updates.Add(new(RidershipKeys.NetworkTotal, TallyRole.Total));
        return updates;
    }

    /// <summary>The document after <paramref name="batch"/> is added to it.</summary>
    /// <param name="current">The document as read (null when it does not exist yet); not changed.</param>
    /// <param name="role">What kind of document it is.</param>
    /// <param name="batch">The batch.</param>
    /// <param name="now">The wall clock (when counting began, for the first batch ever).</param>
    /// <returns>The new document.</returns>
    public static Tally Apply(Tally? current, TallyRole role, PassageBatch batch, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var tally = current is null ? new Tally() : Copy(current);
        switch (role)
        {
            case TallyRole.Hour:
                tally.Add(batch.Counts, batch.Minute.Minute);
                break;
            case TallyRole.Day:
                tally.Add(batch.Counts, batch.Minute.Hour);
                break;
            case TallyRole.Total:
                tally.Add(batch.Counts, null);
                tally.CountingSince ??= Minutes.Floor(now);
                tally.EarliestMinute = tally.EarliestMinute is { } earliest && earliest <= batch.Minute ? earliest : batch.Minute;
                tally.LatestMinute = tally.LatestMinute is { } latest && latest >= batch.Minute ? latest : batch.Minute;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, "unknown tally role");
        }

        return tally;
    }

    /// <summary>The turnstile info to write for <paramref name="batch"/>, or null when the stored one already says it.</summary>
    /// <param name="current">The stored info, or null.</param>
    /// <param name="batch">The batch.</param>
    /// <returns>The new info, or null.</returns>
    public static Tally? TurnstileInfo(Tally? current, PassageBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return current?.StationId == batch.StationId ? null : new Tally { StationId = batch.StationId };
    }

    private static Tally Copy(Tally tally) => new()
    {
        Ingress = tally.Ingress,
        Egress = tally.Egress,
        Slots = tally.Slots is null ? null : new SortedDictionary<int, Counts>(tally.Slots),
        StationId = tally.StationId,
        CountingSince = tally.CountingSince,
        EarliestMinute = tally.EarliestMinute,
        LatestMinute = tally.LatestMinute,
    };
}
