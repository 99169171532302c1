using Dapr;
using Dapr.Client;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// The sorted ids of every instance of one kind (stations, work orders, listed offenders), under one key of the state store, updated with
/// optimistic concurrency: read with its ETag, write back only if unchanged, else read again after a short random wait.
/// </summary>
/// <remarks>
/// <para>Why one key and not an actor: listing is a read of one key, with no actor turn in the way, and a few thousand
/// ids stay a small value. Additions are rare, so conflicts on the key are too.</para>
/// <para>Consistency: a service adds the id after the instance's actor accepted it. A crash between the two leaves the
/// instance out of the list until the command is repeated, which the contracts make safe (a repeat changes nothing in
/// the actor and adds the id). Readers skip an id whose actor says NotFound, so nothing is listed that does not
/// exist.</para>
/// </remarks>
/// <param name="dapr">The Dapr client.</param>
/// <param name="storeName">The state store.</param>
/// <param name="key">The state key of the index.</param>
/// <param name="what">What the index lists, for errors (e.g. "station").</param>
public class SortedIdIndex(DaprClient dapr, string storeName, string key, string what)
{
    private const int MaxAttempts = 20;
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    /// <summary>The ids, sorted (ordinal).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The ids.</returns>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        await dapr.GetStateAsync<List<string>?>(storeName, key, ConsistencyMode.Strong, cancellationToken: cancellationToken) ?? [];

    /// <summary>Adds <paramref name="id"/> to the index (nothing when it is there already).</summary>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task.</returns>
    public async Task AddAsync(string id, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (ids, etag) = await dapr.GetStateAndETagAsync<List<string>?>(storeName, key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            ids ??= [];
            var index = ids.BinarySearch(id, StringComparer.Ordinal);
            if (index >= 0) return;
            ids.Insert(~index, id);
            if (await TryWriteAsync(ids, etag, cancellationToken)) return;
            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"The {what} index stayed contended for {MaxAttempts} attempts; '{id}' was not added.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
        }
    }

    /// <summary>Removes <paramref name="id"/> from the index (nothing when it is not there).</summary>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task.</returns>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (ids, etag) = await dapr.GetStateAndETagAsync<List<string>?>(storeName, key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            var index = ids is null ? -1 : ids.BinarySearch(id, StringComparer.Ordinal);
            if (index < 0) return;
            ids!.RemoveAt(index);
            if (await TryWriteAsync(ids, etag, cancellationToken)) return;
            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"The {what} index stayed contended for {MaxAttempts} attempts; '{id}' was not removed.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
        }
    }

    private async Task<bool> TryWriteAsync(List<string> ids, string? etag, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(etag))
        {
            return await dapr.TrySaveStateAsync(storeName, key, ids, etag, FirstWrite, cancellationToken: cancellationToken);
        }

        try
        {
            // No index yet: first-write without an ETag creates it only if nobody else just did.
            await dapr.SaveStateAsync(storeName, key, ids, FirstWrite, cancellationToken: cancellationToken);
            return true;
        }
        catch (DaprException)
        {
            return false;
        }
    }
}
