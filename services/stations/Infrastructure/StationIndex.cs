using Dapr;
using Dapr.Client;

namespace Mtaeda.Stations.Infrastructure;

/// <summary>Settings of the stations service, bound from the <c>Stations</c> configuration section.</summary>
public sealed class StationsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Stations";

    /// <summary>The Dapr state store holding the station index (default <c>statestore</c>).</summary>
    public string StateStoreName { get; set; } = "statestore";
}

/// <summary>
/// The index ListStations pages through: the sorted ids of every registered station, under one key
/// (<see cref="Key"/>) of the state store, updated with optimistic concurrency (read with its ETag, write back only
/// if unchanged, else read again).
/// </summary>
/// <remarks>
/// <para>Why one key and not an actor: listing is a read of one key, with no actor turn in the way, and a few thousand
/// station ids (a large network) stay a small value. Registrations are rare, so conflicts on the key are too.</para>
/// <para>Consistency: RegisterStation adds the id after the Station actor accepted the registration. A crash between
/// the two leaves a registered station out of the list until the client repeats the command, which the contract makes
/// safe (the repeat changes nothing in the actor and adds the id). Nothing is ever listed that is not registered:
/// the list shows each station as its actor has it, and skips an id whose actor says NotFound.</para>
/// </remarks>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the index is kept.</param>
public sealed class StationIndex(DaprClient dapr, StationsOptions options)
{
    /// <summary>The state key of the index.</summary>
    public const string Key = "stations-index";

    private const int MaxAttempts = 20;
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    /// <summary>The registered station ids, sorted (ordinal).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The ids.</returns>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        await dapr.GetStateAsync<List<string>?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken) ?? [];

    /// <summary>Adds <paramref name="stationId"/> to the index (nothing when it is there already).</summary>
    /// <param name="stationId">The station.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task.</returns>
    public async Task AddAsync(string stationId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (ids, etag) = await dapr.GetStateAndETagAsync<List<string>?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            ids ??= [];
            var index = ids.BinarySearch(stationId, StringComparer.Ordinal);
            if (index >= 0) return;
            ids.Insert(~index, stationId);
            if (await TryWriteAsync(ids, etag, cancellationToken)) return;
            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"The station index stayed contended for {MaxAttempts} attempts; '{stationId}' was not added.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
        }
    }

    private async Task<bool> TryWriteAsync(List<string> ids, string? etag, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(etag))
        {
            return await dapr.TrySaveStateAsync(options.StateStoreName, Key, ids, etag, FirstWrite, cancellationToken: cancellationToken);
        }

        try
        {
            // No index yet: first-write without an ETag creates it only if nobody else just did.
            await dapr.SaveStateAsync(options.StateStoreName, Key, ids, FirstWrite, cancellationToken: cancellationToken);
            return true;
        }
        catch (DaprException)
        {
            return false;
        }
    }
}
