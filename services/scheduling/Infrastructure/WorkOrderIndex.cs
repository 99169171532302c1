using Dapr;
using Dapr.Client;

namespace Mtaeda.Scheduling.Infrastructure;

/// <summary>
/// The ids of every work order, sorted, under one key (<see cref="Key"/>) of the state store, updated with optimistic
/// concurrency (read with its ETag, write back only if unchanged, else read again). ListWorkOrders reads the orders
/// it names from their actors.
/// </summary>
/// <remarks>
/// Consistency: CreateWorkOrder adds the id after the actor accepted the order. A crash between the two leaves the
/// order out of the lists until the caller repeats the command, which the contract makes safe (the maintenance process
/// repeats its activity until it succeeds). Nothing is listed that does not exist: the list skips an id whose actor
/// says NotFound.
/// </remarks>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the index is kept.</param>
public sealed class WorkOrderIndex(DaprClient dapr, SchedulingOptions options)
{
    /// <summary>The state key of the index.</summary>
    public const string Key = "work-orders-index";

    private const int MaxAttempts = 20;
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    /// <summary>The work order ids, sorted (ordinal).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The ids.</returns>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        await dapr.GetStateAsync<List<string>?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken) ?? [];

    /// <summary>Adds <paramref name="workOrderId"/> (nothing when it is there already).</summary>
    /// <param name="workOrderId">The order.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task.</returns>
    public async Task AddAsync(string workOrderId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (ids, etag) = await dapr.GetStateAndETagAsync<List<string>?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            ids ??= [];
            var index = ids.BinarySearch(workOrderId, StringComparer.Ordinal);
            if (index >= 0) return;
            ids.Insert(~index, workOrderId);
            if (await TryWriteAsync(ids, etag, cancellationToken)) return;
            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"The work-order index stayed contended for {MaxAttempts} attempts; '{workOrderId}' was not added.");
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
            await dapr.SaveStateAsync(options.StateStoreName, Key, ids, FirstWrite, cancellationToken: cancellationToken);
            return true;
        }
        catch (DaprException)
        {
            return false;
        }
    }
}
