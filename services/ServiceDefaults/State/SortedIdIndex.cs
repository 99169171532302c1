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
    /// <summary>The ids, sorted (ordinal).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The ids.</returns>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        await dapr.GetStateAsync<List<string>?>(storeName, key, ConsistencyMode.Strong, cancellationToken: cancellationToken) ?? [];

    /// <summary>Adds <paramref name="id"/> to the index (nothing when it is there already).</summary>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task.</returns>
    public Task AddAsync(string id, CancellationToken cancellationToken) => UpdateAsync(ids =>
    {
        var index = ids.BinarySearch(id, StringComparer.Ordinal);
        if (index >= 0) return false;
        ids.Insert(~index, id);
        return true;
    }, $"adding '{id}' to the {what} index", cancellationToken);

    /// <summary>Removes <paramref name="id"/> from the index (nothing when it is not there).</summary>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task.</returns>
    public Task RemoveAsync(string id, CancellationToken cancellationToken) => UpdateAsync(ids =>
    {
        var index = ids.BinarySearch(id, StringComparer.Ordinal);
        if (index < 0) return false;
        ids.RemoveAt(index);
        return true;
    }, $"removing '{id}' from the {what} index", cancellationToken);

    private Task UpdateAsync(Func<List<string>, bool> change, string description, CancellationToken cancellationToken) =>
        OptimisticState.UpdateAsync(dapr, storeName, key, () => new List<string>(), ids => (0, change(ids)), description, cancellationToken);
}
