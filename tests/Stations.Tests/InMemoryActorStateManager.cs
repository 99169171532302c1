using System.Text.Json;
using Dapr.Actors.Runtime;

namespace Mtaeda.Stations.Tests;

/// <summary>
/// Actor state for unit tests of actors made with <c>ActorHost.CreateForTest</c>: every value is kept as JSON, as the
/// real state manager saves it, so a test sees exactly what would be persisted and nothing shared by reference.
/// </summary>
public sealed class InMemoryActorStateManager : IActorStateManager
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, string> _state = new(StringComparer.Ordinal);

    /// <summary>The keys held.</summary>
    public IReadOnlyCollection<string> Keys => _state.Keys;

    /// <summary>The value held under <paramref name="stateName"/>, or the default when there is none.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="stateName">The state name.</param>
    /// <returns>The value.</returns>
    public T? Stored<T>(string stateName) => _state.TryGetValue(stateName, out var json) ? Deserialize<T>(json) : default;

    /// <inheritdoc />
    public Task AddStateAsync<T>(string stateName, T value, CancellationToken cancellationToken = default) =>
        _state.TryAdd(stateName, Serialize(value)) ? Task.CompletedTask : throw new InvalidOperationException($"state '{stateName}' exists");

    /// <inheritdoc />
    public Task AddStateAsync<T>(string stateName, T value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        AddStateAsync(stateName, value, cancellationToken);

    /// <inheritdoc />
    public Task<T> GetStateAsync<T>(string stateName, CancellationToken cancellationToken = default) =>
        _state.TryGetValue(stateName, out var json) ? Task.FromResult(Deserialize<T>(json)) : throw new KeyNotFoundException(stateName);

    /// <inheritdoc />
    public Task SetStateAsync<T>(string stateName, T value, CancellationToken cancellationToken = default)
    {
        _state[stateName] = Serialize(value);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetStateAsync<T>(string stateName, T value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        SetStateAsync(stateName, value, cancellationToken);

    /// <inheritdoc />
    public Task RemoveStateAsync(string stateName, CancellationToken cancellationToken = default) =>
        _state.Remove(stateName) ? Task.CompletedTask : throw new KeyNotFoundException(stateName);

    /// <inheritdoc />
    public Task<bool> TryAddStateAsync<T>(string stateName, T value, CancellationToken cancellationToken = default) =>
        Task.FromResult(_state.TryAdd(stateName, Serialize(value)));

    /// <inheritdoc />
    public Task<bool> TryAddStateAsync<T>(string stateName, T value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        TryAddStateAsync(stateName, value, cancellationToken);

    /// <inheritdoc />
    public Task<ConditionalValue<T>> TryGetStateAsync<T>(string stateName, CancellationToken cancellationToken = default) =>
        Task.FromResult(_state.TryGetValue(stateName, out var json) ? new ConditionalValue<T>(true, Deserialize<T>(json)) : new ConditionalValue<T>(false, default!));

    /// <inheritdoc />
    public Task<bool> TryRemoveStateAsync(string stateName, CancellationToken cancellationToken = default) =>
        Task.FromResult(_state.Remove(stateName));

    /// <inheritdoc />
    public Task<bool> ContainsStateAsync(string stateName, CancellationToken cancellationToken = default) =>
        Task.FromResult(_state.ContainsKey(stateName));

    /// <inheritdoc />
    public async Task<T> GetOrAddStateAsync<T>(string stateName, T value, CancellationToken cancellationToken = default)
    {
        if (_state.TryGetValue(stateName, out var json)) return Deserialize<T>(json);
        await SetStateAsync(stateName, value, cancellationToken);
        return value;
    }

    /// <inheritdoc />
    public Task<T> GetOrAddStateAsync<T>(string stateName, T value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        GetOrAddStateAsync(stateName, value, cancellationToken);

    /// <inheritdoc />
    public async Task<T> AddOrUpdateStateAsync<T>(string stateName, T addValue, Func<string, T, T> updateValueFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updateValueFactory);
        var value = _state.TryGetValue(stateName, out var json) ? updateValueFactory(stateName, Deserialize<T>(json)) : addValue;
        await SetStateAsync(stateName, value, cancellationToken);
        return value;
    }

    /// <inheritdoc />
    public Task<T> AddOrUpdateStateAsync<T>(string stateName, T addValue, Func<string, T, T> updateValueFactory, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        AddOrUpdateStateAsync(stateName, addValue, updateValueFactory, cancellationToken);

    /// <inheritdoc />
    public Task ClearCacheAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task SaveStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task UnloadStateAsync(string stateName, UnloadStateOptions options, CancellationToken cancellationToken = default) => Task.CompletedTask;

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Json)!;
}
