using Dapr.Client;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// A read-decide-write of one state key with optimistic concurrency: read with its ETag, write back only if unchanged
/// (first write wins), else decide again on what is there now (<see cref="StateTransactions.RetryAsync{T}"/>). For
/// several keys that change together, use <see cref="StateTransactions.TryCommitAsync"/>.
/// </summary>
public static class OptimisticState
{
    /// <summary>Updates <paramref name="key"/> with <paramref name="decide"/>, which changes the state in place.</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <typeparam name="TResult">What the decision answers.</typeparam>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="store">The state store.</param>
    /// <param name="key">The key.</param>
    /// <param name="create">The state when the key holds none.</param>
    /// <param name="decide">Changes the state; answers its result and whether it changed anything (nothing is written otherwise). It may run more than once.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>The result of the decision that was written (or that changed nothing).</returns>
    /// <exception cref="InvalidOperationException">The key stayed contended for 20 attempts.</exception>
    public static Task<TResult> UpdateAsync<TState, TResult>(
        DaprClient dapr, string store, string key, Func<TState> create, Func<TState, (TResult Result, bool Changed)> decide, CancellationToken cancellationToken)
        where TState : class =>
        UpdateAsync(dapr, store, key, create, decide, $"updating the state '{key}'", cancellationToken);

    /// <summary>Updates <paramref name="key"/> with <paramref name="decide"/>, naming what is updated in the error.</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <typeparam name="TResult">What the decision answers.</typeparam>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="store">The state store.</param>
    /// <param name="key">The key.</param>
    /// <param name="create">The state when the key holds none.</param>
    /// <param name="decide">Changes the state; answers its result and whether it changed anything. It may run more than once.</param>
    /// <param name="description">What is being updated, for the error.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>The result of the decision that was written (or that changed nothing).</returns>
    /// <exception cref="InvalidOperationException">The key stayed contended for 20 attempts.</exception>
    public static Task<TResult> UpdateAsync<TState, TResult>(DaprClient dapr, string store, string key, Func<TState> create,
        Func<TState, (TResult Result, bool Changed)> decide, string description, CancellationToken cancellationToken)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(dapr);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(decide);
        return StateTransactions.RetryAsync(async ct =>
        {
            var (saved, etag) = await dapr.GetWithETagAsync<TState>(store, key, ct);
            var state = saved ?? create();
            var (result, changed) = decide(state);
            return (!changed || await dapr.TrySaveAsync(store, key, state, etag, ct), result);
        }, description, cancellationToken);
    }
}
