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
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(decide);
        return ReplaceAsync<TState, TResult>(dapr, store, key, saved =>
        {
            var state = saved ?? create();
            var (result, changed) = decide(state);
            return (result, changed ? state : null);
        }, description, cancellationToken);
    }

    /// <summary>
    /// Updates <paramref name="key"/> with <paramref name="decide"/>, which answers the state to write in place of the one
    /// read: for a state that is not changed in place (a string, such as a message's proto3 JSON) or a key that may hold nothing.
    /// </summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <typeparam name="TResult">What the decision answers.</typeparam>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="store">The state store.</param>
    /// <param name="key">The key.</param>
    /// <param name="decide">Given the state (null when the key holds none), answers its result and the state to write (null: nothing is written). It may run more than once.</param>
    /// <param name="description">What is being updated, for the error.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>The result of the decision that was written (or that wrote nothing).</returns>
    /// <exception cref="InvalidOperationException">The key stayed contended for 20 attempts.</exception>
    public static Task<TResult> ReplaceAsync<TState, TResult>(DaprClient dapr, string store, string key,
        Func<TState?, (TResult Result, TState? Replacement)> decide, string description, CancellationToken cancellationToken)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(dapr);
        ArgumentNullException.ThrowIfNull(decide);
        return StateTransactions.RetryAsync(async ct =>
        {
            var (saved, etag) = await dapr.GetWithETagAsync<TState>(store, key, ct);
            var (result, replacement) = decide(saved);
            return (replacement is null || await dapr.TrySaveAsync(store, key, replacement, etag, ct), result);
        }, description, cancellationToken);
    }
}
