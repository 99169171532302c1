using Dapr.Client;

namespace Mtaeda.Maintenance.Infrastructure;

/// <summary>
/// A read-decide-write of one state key with optimistic concurrency: read with its ETag, write back only if unchanged
/// (first write wins), else decide again on what is there now.
/// </summary>
internal static class OptimisticState
{
    private const int MaxAttempts = 20;
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    /// <summary>Updates <paramref name="key"/> with <paramref name="decide"/>, which changes the state in place.</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <typeparam name="TResult">What the decision answers.</typeparam>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="store">The state store.</param>
    /// <param name="key">The key.</param>
    /// <param name="create">The state when the key holds none.</param>
    /// <param name="decide">Changes the state; answers its result and whether it changed anything (nothing is written otherwise).</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>The decision's result.</returns>
    public static async Task<TResult> UpdateAsync<TState, TResult>(
        DaprClient dapr, string store, string key, Func<TState> create, Func<TState, (TResult Result, bool Changed)> decide, CancellationToken cancellationToken)
        where TState : class
    {
        for (var attempt = 1; ; attempt++)
        {
            var (saved, etag) = await dapr.GetStateAndETagAsync<TState?>(store, key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            var state = saved ?? create();
            var (result, changed) = decide(state);
            if (!changed) return result;
            if (string.IsNullOrEmpty(etag))
            {
                try
                {
                    await dapr.SaveStateAsync(store, key, state, FirstWrite, cancellationToken: cancellationToken);
                    return result;
                }
                catch (Dapr.DaprException) when (attempt < MaxAttempts)
                {
                    continue;
                }
            }

            if (await dapr.TrySaveStateAsync(store, key, state, etag, FirstWrite, cancellationToken: cancellationToken)) return result;
            if (attempt == MaxAttempts) throw new InvalidOperationException($"The state '{key}' stayed contended for {MaxAttempts} attempts.");
        }
    }
}
