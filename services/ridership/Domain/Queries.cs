using Mtaeda.Contracts;

namespace Mtaeda.Ridership.Domain;

/// <summary>A half-open range of whole minutes, [<see cref="Start"/>, <see cref="End"/>).</summary>
/// <param name="Start">The first minute.</param>
/// <param name="End">The minute after the last.</param>
public readonly record struct MinuteRange(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>The longest range a series query answers.</summary>
    public const int MaxMinutes = 1440;

    /// <summary>The range when the query gives no start: this many minutes before the end.</summary>
    public const int DefaultMinutes = 60;

    /// <summary>
    /// The range of a series query. Given ends are rounded down to the minute. Without an end the range runs to now,
    /// the minute in progress included (so a live view shows what has been counted so far); without a start it covers
    /// the <see cref="DefaultMinutes"/> minutes before the end.
    /// </summary>
    /// <param name="start">The requested start.</param>
    /// <param name="end">The requested end (exclusive).</param>
    /// <param name="now">The wall clock.</param>
    /// <returns>The range.</returns>
    /// <exception cref="DomainRefusalException">The start is after the end, or the range is longer than <see cref="MaxMinutes"/>.</exception>
    public static MinuteRange Resolve(DateTimeOffset? start, DateTimeOffset? end, DateTimeOffset now)
    {
        var last = end is { } givenEnd ? Minutes.Floor(givenEnd) : Minutes.Floor(now).AddMinutes(1);
        var first = start is { } givenStart ? Minutes.Floor(givenStart) : last.AddMinutes(-DefaultMinutes);
        if (first > last) throw DomainRefusalException.Invalid("start_time", "must not be after end_time");
        if ((last - first).TotalMinutes > MaxMinutes) throw DomainRefusalException.Invalid("end_time", $"must be at most {MaxMinutes} minutes after start_time");
        return new MinuteRange(first, last);
    }

    /// <summary>The hours the range touches.</summary>
    public IEnumerable<DateTimeOffset> Hours => Start == End ? [] : Minutes.HoursBetween(Start, End.AddMinutes(-1));

    /// <summary>Whether <paramref name="minute"/> is in the range.</summary>
    /// <param name="minute">A minute.</param>
    /// <returns>True when it is.</returns>
    public bool Contains(DateTimeOffset minute) => minute >= Start && minute < End;
}

/// <summary>Counts of one minute.</summary>
/// <param name="Minute">The minute.</param>
/// <param name="Counts">Entries and exits.</param>
public readonly record struct MinuteCounts(DateTimeOffset Minute, Counts Counts);

/// <summary>Series and totals read from the counter documents.</summary>
public static class Figures
{
    /// <summary>The minutes of <paramref name="range"/> that had passages, in order, and their sum.</summary>
    /// <param name="range">The range.</param>
    /// <param name="hours">The hour buckets of the range's hours (null where there is none).</param>
    /// <returns>The series and its total.</returns>
    public static (IReadOnlyList<MinuteCounts> Minutes, Counts Total) Series(MinuteRange range, IEnumerable<(DateTimeOffset Hour, Tally? Tally)> hours)
    {
        ArgumentNullException.ThrowIfNull(hours);
        var series = new List<MinuteCounts>();
        var total = default(Counts);
        foreach (var (hour, tally) in hours.OrderBy(h => h.Hour))
        {
            if (tally?.Slots is null) continue;
            foreach (var (slot, counts) in tally.Slots)
            {
                var minute = hour.AddMinutes(slot);
                if (counts.IsZero || !range.Contains(minute)) continue;
                series.Add(new MinuteCounts(minute, counts));
                total += counts;
            }
        }

        return (series, total);
    }

    /// <summary>
    /// The counter documents needed to answer network totals since <paramref name="since"/> (a whole minute), besides
    /// the total: none when everything counted is at or after it (or nothing is); else the hour and day bucket of
    /// <paramref name="since"/> and the day buckets of every later day up to the last minute counted.
    /// </summary>
    /// <param name="since">The start, rounded down to the minute.</param>
    /// <param name="total">The network total, or null when nothing was counted.</param>
    /// <returns>The keys.</returns>
    public static IReadOnlyList<string> NetworkKeysSince(DateTimeOffset since, Tally? total)
    {
        if (total?.EarliestMinute is not { } earliest || total.LatestMinute is not { } latest) return [];
        if (since <= earliest || since > latest) return [];
        var keys = new List<string> { RidershipKeys.NetworkHour(Minutes.Hour(since)), RidershipKeys.NetworkDay(Minutes.Day(since)) };
        for (var day = Minutes.Day(since).AddDays(1); day <= latest; day = day.AddDays(1)) keys.Add(RidershipKeys.NetworkDay(day));
        return keys;
    }

    /// <summary>
    /// The network's entries and exits from <paramref name="since"/> (a whole minute) on: the minutes of its hour from
    /// it on, the later hours of its day, and every later day.
    /// </summary>
    /// <param name="since">The start, rounded down to the minute.</param>
    /// <param name="total">The network total, or null when nothing was counted.</param>
    /// <param name="documents">The documents of <see cref="NetworkKeysSince"/> by key (missing ones absent or null).</param>
    /// <returns>The counts.</returns>
    public static Counts NetworkSince(DateTimeOffset since, Tally? total, IReadOnlyDictionary<string, Tally?> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (total?.EarliestMinute is not { } earliest || total.LatestMinute is not { } latest) return default;
        if (since <= earliest) return total.Total;
        if (since > latest) return default;
        var sum = default(Counts);
        foreach (var (slot, counts) in Document(RidershipKeys.NetworkHour(Minutes.Hour(since)))?.Slots ?? [])
        {
            if (slot >= since.Minute) sum += counts;
        }

        foreach (var (slot, counts) in Document(RidershipKeys.NetworkDay(Minutes.Day(since)))?.Slots ?? [])
        {
            if (slot > since.Hour) sum += counts;
        }

        for (var day = Minutes.Day(since).AddDays(1); day <= latest; day = day.AddDays(1))
        {
            sum += Document(RidershipKeys.NetworkDay(day))?.Total ?? default;
        }

        return sum;

        Tally? Document(string key) => documents.TryGetValue(key, out var document) ? document : null;
    }
}
