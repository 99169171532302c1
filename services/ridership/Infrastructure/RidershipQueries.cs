using Dapr.Client;
using Mtaeda.Ridership.Domain;

namespace Mtaeda.Ridership.Infrastructure;

/// <summary>Network totals as the query answers them.</summary>
/// <param name="Counts">Entries and exits.</param>
/// <param name="Since">The start of the counted period (null when nothing was counted and no start was given).</param>
public sealed record NetworkTotals(Counts Counts, DateTimeOffset? Since);

/// <summary>
/// Reads the figures from the state store, the durable truth shared by every replica: a series is one bulk read of
/// the range's hour buckets (at most 25); network totals are one read of the total and, for a start after the first
/// counted minute, one bulk read of that hour's bucket and the day buckets since.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">The store.</param>
public sealed class RidershipQueries(DaprClient dapr, RidershipOptions options)
{
    /// <summary>Entries and exits since <paramref name="since"/> (rounded down to the minute), or everything counted.</summary>
    /// <param name="since">The start, or null for everything.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The totals.</returns>
    public async Task<NetworkTotals> NetworkTotalsAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var total = (await ReadAsync([RidershipKeys.NetworkTotal], cancellationToken))[RidershipKeys.NetworkTotal];
        if (since is null) return new NetworkTotals(total?.Total ?? default, total?.CountingSince);
        var start = Minutes.Floor(since.Value);
        var documents = await ReadAsync(Figures.NetworkKeysSince(start, total), cancellationToken);
        return new NetworkTotals(Figures.NetworkSince(start, total, documents), start);
    }

    /// <summary>The minutes of <paramref name="range"/> with passages, from the hour buckets <paramref name="key"/> names.</summary>
    /// <param name="range">The range.</param>
    /// <param name="key">The key of an hour's bucket (station, turnstile or line).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The series and its total.</returns>
    public async Task<(IReadOnlyList<MinuteCounts> Minutes, Counts Total)> SeriesAsync(MinuteRange range, Func<DateTimeOffset, string> key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hours = range.Hours.ToList();
        var documents = await ReadAsync([.. hours.Select(key)], cancellationToken);
        return Figures.Series(range, hours.Select(hour => (hour, documents[key(hour)])));
    }

    /// <summary>The station of a turnstile, as its passages told it; empty when it has none.</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The station id, or empty.</returns>
    public async Task<string> StationOfAsync(string turnstileId, CancellationToken cancellationToken)
    {
        var key = RidershipKeys.TurnstileInfo(turnstileId);
        return (await ReadAsync([key], cancellationToken))[key]?.StationId ?? string.Empty;
    }

    private async Task<Dictionary<string, Tally?>> ReadAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var documents = keys.Distinct(StringComparer.Ordinal).ToDictionary(key => key, _ => (Tally?)null, StringComparer.Ordinal);
        if (documents.Count == 0) return documents;
        foreach (var item in await dapr.GetBulkStateAsync(options.StateStoreName, [.. documents.Keys], parallelism: null, cancellationToken: cancellationToken))
        {
            documents[item.Key] = Tally.FromJson(item.Value);
        }

        return documents;
    }
}
