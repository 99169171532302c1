using System.Text.Json;
using Dapr;
using Dapr.Client;

namespace Mtaeda.ServiceDefaults;

/// <summary>One write of a state transaction: a value (null deletes) and the ETag it was read with (null: must not exist).</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The JSON value (<see cref="StateTransactions.Json{T}"/>), or null to delete.</param>
/// <param name="ETag">The ETag read; null for a key that must not exist yet (a delete without an ETag is unconditional).</param>
public sealed record StateWrite(string Key, byte[]? Value, string? ETag);

/// <summary>
/// Writes of several keys of one state store that stand or fall together, each guarded by the ETag it was read with
/// (optimistic concurrency): read, decide, <see cref="TryCommitAsync"/>, and on a refusal read again and decide again
/// (<see cref="RetryAsync{T}"/>).
/// </summary>
public static class StateTransactions
{
    private const int MaxAttempts = 20;

    /// <summary>
    /// First-write concurrency with strong consistency, the options of every guarded write: with an ETag, the write goes
    /// through only if the key still holds what was read; without one, only if the key does not exist yet. A new value
    /// each time (<see cref="StateOptions"/> is mutable).
    /// </summary>
    public static StateOptions FirstWrite => new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    /// <summary>Serialises a value as the state store keeps it (JSON, the web defaults the Dapr client reads with).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>The JSON bytes.</returns>
    public static byte[] Json<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web);

    /// <summary>Reads a value and its ETag (null when the key holds nothing).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="storeName">The state store.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value, or null, and its ETag, or null.</returns>
    public static async Task<(T? Value, string? ETag)> GetWithETagAsync<T>(this DaprClient dapr, string storeName, string key, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(dapr);
        var (value, etag) = await dapr.GetStateAndETagAsync<T?>(storeName, key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
        return (value, string.IsNullOrEmpty(etag) ? null : etag);
    }

    /// <summary>
    /// Writes all of <paramref name="writes"/> in one state transaction, each guarded by its ETag (or by not existing yet);
    /// false when the store refused it (a concurrent change, or the store failing): read again and decide again.
    /// </summary>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="storeName">The state store (it must support transactions).</param>
    /// <param name="writes">The writes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when it was written.</returns>
    public static async Task<bool> TryCommitAsync(this DaprClient dapr, string storeName, IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        ArgumentNullException.ThrowIfNull(writes);
        var operations = writes.Select(w => w.Value is null
            ? new StateTransactionRequest(w.Key, null, StateOperationType.Delete, etag: w.ETag, metadata: null, options: w.ETag is null ? null : FirstWrite)
            : new StateTransactionRequest(w.Key, w.Value, StateOperationType.Upsert, etag: w.ETag, metadata: null, options: FirstWrite)).ToList();
        try
        {
            await dapr.ExecuteStateTransactionAsync(storeName, operations, cancellationToken: cancellationToken);
            return true;
        }
        catch (DaprException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Writes one key if it still holds what was read with <paramref name="etag"/> (null: only if it does not exist yet).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="storeName">The state store.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="etag">The ETag read, or null.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when it was written; false when the key changed since (read again and decide again).</returns>
    public static async Task<bool> TrySaveAsync<T>(this DaprClient dapr, string storeName, string key, T value, string? etag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        if (!string.IsNullOrEmpty(etag)) return await dapr.TrySaveStateAsync(storeName, key, value, etag, FirstWrite, cancellationToken: cancellationToken);
        try
        {
            // Nothing read: first-write without an ETag creates the key only if nobody else just did.
            await dapr.SaveStateAsync(storeName, key, value, FirstWrite, cancellationToken: cancellationToken);
            return true;
        }
        catch (DaprException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="attempt"/> until it commits (at most 20 times, with a short random wait between).</summary>
    /// <typeparam name="T">What the attempt answers.</typeparam>
    /// <param name="attempt">Reads, decides and tries to commit; answers whether it did, and its result.</param>
    /// <param name="what">What is being written, for the error.</param>
    /// <param name="cancellationToken">Cancels the attempts.</param>
    /// <returns>The result of the attempt that committed.</returns>
    /// <exception cref="InvalidOperationException">The store kept refusing for 20 attempts.</exception>
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<(bool Done, T Result)>> attempt, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        for (var i = 1; ; i++)
        {
            var (done, result) = await attempt(cancellationToken);
            if (done) return result;
            if (i == MaxAttempts) throw new InvalidOperationException($"{what} stayed contended or the store kept refusing it for {MaxAttempts} attempts");
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 * i)), cancellationToken);
        }
    }
}
