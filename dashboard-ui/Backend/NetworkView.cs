using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Ridership.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Dashboard.Identity;

namespace Mtaeda.Dashboard.Backend;

/// <summary>One station on the network overview.</summary>
/// <param name="Station">The station as stations has it.</param>
/// <param name="Turnstiles">Its turnstiles as equipment has them.</param>
/// <param name="PerMinute">Passages (in + out) per minute, oldest first, one per minute of the window.</param>
public sealed record StationRow(Station Station, IReadOnlyList<Turnstile> Turnstiles, IReadOnlyList<long> PerMinute)
{
    /// <summary>Passages in the current minute so far (it grows as passages are counted).</summary>
    public long ThisMinute => PerMinute.LastOrDefault();

    /// <summary>How many turnstiles are in each status.</summary>
    public IReadOnlyDictionary<TurnstileStatus, int> ByStatus => Turnstiles.GroupBy(t => t.Status).ToDictionary(g => g.Key, g => g.Count());
}

/// <summary>The network overview: every station the user sees, its turnstiles by status and its passages per minute.</summary>
/// <param name="Rows">The stations, by id.</param>
/// <param name="Minutes">The minutes of the window, oldest first.</param>
/// <param name="AsOf">When read.</param>
public sealed record NetworkView(IReadOnlyList<StationRow> Rows, IReadOnlyList<DateTimeOffset> Minutes, DateTimeOffset AsOf)
{
    /// <summary>The window of the chart.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>Reads the overview from stations, equipment and ridership.</summary>
    /// <param name="services">The clients.</param>
    /// <param name="reachability">Reachability.</param>
    /// <param name="user">Who looks (only their stations).</param>
    /// <param name="now">Now.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The view.</returns>
    public static async Task<NetworkView> ReadAsync(Services services, Reachability reachability, DashboardUser user, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(reachability);
        ArgumentNullException.ThrowIfNull(user);
        var stations = new List<Station>();
        var token = string.Empty;
        do
        {
            var page = await reachability.CallAsync("stations", () => services.Stations.ListStationsAsync(new ListStationsRequest { PageSize = 100, PageToken = token }, cancellationToken: cancellationToken).ResponseAsync);
            stations.AddRange(page.Stations.Where(s => user.Sees(s.StationId)));
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        var end = Minute(now).AddMinutes(1);
        var start = end - Window;
        var minutes = Enumerable.Range(0, (int)Window.TotalMinutes).Select(i => start.AddMinutes(i)).ToList();
        var rows = await Task.WhenAll(stations.OrderBy(s => s.StationId, StringComparer.Ordinal).Select(async station =>
        {
            var turnstiles = await Task.WhenAll(station.TurnstileIds.Select(id =>
                reachability.CallAsync("equipment", () => services.Equipment.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = id }, cancellationToken: cancellationToken).ResponseAsync)));
            var ridership = await reachability.CallAsync("ridership", () => services.Ridership.GetStationRidershipAsync(new GetStationRidershipRequest
            {
                StationId = station.StationId,
                StartTime = Timestamp.FromDateTimeOffset(start),
                EndTime = Timestamp.FromDateTimeOffset(end),
            }, cancellationToken: cancellationToken).ResponseAsync);
            return new StationRow(station, turnstiles, PerMinute(ridership.Minutes, minutes));
        }));
        return new NetworkView(rows, minutes, now);
    }

    /// <summary>Passages (in + out) for each of <paramref name="window"/>'s minutes; a minute without passages counts zero.</summary>
    /// <param name="counted">What ridership counted, by minute.</param>
    /// <param name="window">The minutes, oldest first.</param>
    /// <returns>One figure per minute.</returns>
    public static IReadOnlyList<long> PerMinute(IEnumerable<MinuteRidership> counted, IReadOnlyList<DateTimeOffset> window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var byMinute = counted.GroupBy(m => Minute(m.Minute.ToDateTimeOffset())).ToDictionary(g => g.Key, g => g.Sum(m => m.Ingress + m.Egress));
        return [.. window.Select(m => byMinute.GetValueOrDefault(m))];
    }

    private static DateTimeOffset Minute(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
}
