using Dapr;
using Dapr.Client;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Create-once of one state key: the first caller writes it, every later or concurrent caller gets what the first wrote
/// (an alert derived from a redelivered event, a delivery logged once, a key every replica shares).
/// </summary>
/// <remarks>
/// <para>The key is read first (the usual answer for a repeat); when it holds nothing, the value is saved with
/// <see cref="StateTransactions.FirstWrite"/> and no ETag, which the store accepts only while the key does not exist.</para>
/// <para>daprd does not answer that refusal with one status: <c>state.in-memory</c> reports an ETag mismatch (gRPC
/// <c>Aborted</c>), <c>state.redis</c> ("failed to set key") and <c>state.postgresql</c> ("no item was updated") a plain
/// store error (<c>Internal</c>), the same code a store that is down gets; the .NET SDK turns each into a
/// <see cref="DaprException"/> whose inner exception is the <c>RpcException</c>. So a refused save is told apart from a
/// failure by reading the key again: a value there is the other caller's, nothing there means the store failed, and
/// the exception is thrown again.</para>
/// <para>On Redis, a key saved with first-write is marked so, and every later save of it without its ETag is refused:
/// change such a key only with its ETag (<see cref="OptimisticState"/>, <see cref="StateTransactions.TrySaveAsync{T}"/>).</para>
/// </remarks>
public static class StateCreation
{
    /// <summary>Writes <paramref name="key"/> with the value <paramref name="create"/> makes, unless it holds one already.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="storeName">The state store.</param>
    /// <param name="key">The key.</param>
    /// <param name="create">Makes the value; called only when the key held nothing when read.</param>
    /// <param name="cancellationToken">Cancels the read and the write.</param>
    /// <returns>Whether this call created the key, and the value the key holds (this call's, or the one kept before).</returns>
    /// <exception cref="DaprException">The store failed (the save was refused and the key still holds nothing).</exception>
    public static async Task<(bool Created, T Value)> TryCreateAsync<T>(this DaprClient dapr, string storeName, string key, Func<T> create, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(dapr);
        ArgumentNullException.ThrowIfNull(create);
        if (await ReadAsync<T>(dapr, storeName, key, cancellationToken) is { } kept) return (false, kept);
        var value = create();
        try
        {
            await dapr.SaveStateAsync(storeName, key, value, StateTransactions.FirstWrite, cancellationToken: cancellationToken);
            return (true, value);
        }
        catch (DaprException) when (!cancellationToken.IsCancellationRequested)
        {
            // Refused: another caller created the key since it was read, or the store failed. What is there says which.
            if (await ReadAsync<T>(dapr, storeName, key, cancellationToken) is { } other) return (false, other);
            throw;
        }
    }

    private static Task<T?> ReadAsync<T>(DaprClient dapr, string storeName, string key, CancellationToken cancellationToken) where T : class =>
        dapr.GetStateAsync<T?>(storeName, key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
}
