using System.Text.Json;
using Dapr.Actors.Runtime;

namespace Mtaeda.Testing;

/// <summary>
/// Actor state for tests of actors made with <c>ActorHost.CreateForTest</c>, behaving like the runtime's state manager:
/// values are cached by reference during a turn and written to the "store" (as JSON, as Dapr saves them) only by
/// <see cref="SaveStateAsync"/>; <see cref="ClearCacheAsync"/> drops unsaved changes, so a reload reads what the store
/// holds. A test sees exactly what would be persisted. Actors called directly, with no runtime ending their turns, use
/// <c>saveEveryWrite</c>: each write is saved at once, as if it ended a turn.
/// </summary>
/// <param name="saveEveryWrite">Save each write at once (no runtime calls <see cref="SaveStateAsync"/> at the end of a turn).</param>
public sealed class InMemoryActorStateManager(bool saveEveryWrite = false) : IActorStateManager
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _store = new(StringComparer.Ordinal);

    /// <summary>How many times state was saved (turns that wrote).</summary>
    public int Saves { get; private set; }

    /// <summary>The saved JSON of <paramref name="key"/>, or null.</summary>
    public string? StoredJson(string key) => _store.GetValueOrDefault(key);

    /// <summary>The saved value of <paramref name="key"/>, read back from its JSON.</summary>
    public T? Stored<T>(string key) => _store.TryGetValue(key, out var json) ? JsonSerializer.Deserialize<T>(json, Json) : default;

    /// <summary>The keys saved.</summary>
    public IReadOnlyCollection<string> StoredKeys => _store.Keys;

    public Task AddStateAsync<T>(string stateName, T value, CancellationToken cancellationToken = default)
    {
        if (!TryAdd(stateName, value)) throw new InvalidOperationException($"state {stateName} already exists");
        return Task.CompletedTask;
    }

    public Task AddStateAsync<T>(string stateName, T value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        AddStateAsync(stateName, value, cancellationToken);

    public async Task<T> GetStateAsync<T>(string stateName, CancellationToken cancellationToken = default)
    {
        var value = await TryGetStateAsync<T>(stateName, cancellationToken);
        return value.HasValue ? value.Value : throw new KeyNotFoundException($"state {stateName} does not exist");
    }

    public Task SetStateAsync<T>(string stateName, T value, CancellationToken cancellationToken = default)
    {
        _cache[stateName] = new Entry(value, Removed: false);
        return Written();
    }

    public Task SetStateAsync<T>(string stateName, T value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        SetStateAsync(stateName, value, cancellationToken);

    public async Task RemoveStateAsync(string stateName, CancellationToken cancellationToken = default)
    {
        if (!await TryRemoveStateAsync(stateName, cancellationToken)) throw new KeyNotFoundException($"state {stateName} does not exist");
    }

    public Task<bool> TryAddStateAsync<T>(string stateName, T value, CancellationToken cancellationToken = default) =>
        Task.FromResult(TryAdd(stateName, value));

    public Task<bool> TryAddStateAsync<T>(string stateName, T value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        TryAddStateAsync(stateName, value, cancellationToken);

    public Task<ConditionalValue<T>> TryGetStateAsync<T>(string stateName, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(stateName, out var entry))
        {
            return Task.FromResult(entry.Removed ? new ConditionalValue<T>(false, default!) : new ConditionalValue<T>(true, (T)entry.Value!));
        }
        if (_store.TryGetValue(stateName, out var json))
        {
            var value = JsonSerializer.Deserialize<T>(json, Json)!;
            _cache[stateName] = new Entry(value, Removed: false);
            return Task.FromResult(new ConditionalValue<T>(true, value));
        }
        return Task.FromResult(new ConditionalValue<T>(false, default!));
    }

    public async Task<bool> TryRemoveStateAsync(string stateName, CancellationToken cancellationToken = default)
    {
        if (!await ContainsStateAsync(stateName, cancellationToken)) return false;
        _cache[stateName] = new Entry(null, Removed: true);
        await Written();
        return true;
    }

    public Task<bool> ContainsStateAsync(string stateName, CancellationToken cancellationToken = default) => Task.FromResult(Contains(stateName));

    public async Task<T> GetOrAddStateAsync<T>(string stateName, T value, CancellationToken cancellationToken = default)
    {
        var existing = await TryGetStateAsync<T>(stateName, cancellationToken);
        if (existing.HasValue) return existing.Value;
        await SetStateAsync(stateName, value, cancellationToken);
        return value;
    }

    public Task<T> GetOrAddStateAsync<T>(string stateName, T value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        GetOrAddStateAsync(stateName, value, cancellationToken);

    public async Task<T> AddOrUpdateStateAsync<T>(string stateName, T addValue, Func<string, T, T> updateValueFactory, CancellationToken cancellationToken = default)
    {
        var existing = await TryGetStateAsync<T>(stateName, cancellationToken);
        var value = existing.HasValue ? updateValueFactory(stateName, existing.Value) : addValue;
        await SetStateAsync(stateName, value, cancellationToken);
        return value;
    }

    public Task<T> AddOrUpdateStateAsync<T>(string stateName, T addValue, Func<string, T, T> updateValueFactory, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        AddOrUpdateStateAsync(stateName, addValue, updateValueFactory, cancellationToken);

    public Task ClearCacheAsync(CancellationToken cancellationToken = default)
    {
        _cache.Clear();
        return Task.CompletedTask;
    }

    public Task UnloadStateAsync(string stateName, UnloadStateOptions? options = null, CancellationToken cancellationToken = default)
    {
        _cache.Remove(stateName);
        return Task.CompletedTask;
    }

    public Task SaveStateAsync(CancellationToken cancellationToken = default)
    {
        if (_cache.Count == 0) return Task.CompletedTask;
        foreach (var (key, entry) in _cache)
        {
            if (entry.Removed) _store.Remove(key);
            else _store[key] = JsonSerializer.Serialize(entry.Value, entry.Value?.GetType() ?? typeof(object), Json);
        }
        // The runtime keeps saved values cached; re-reading them from JSON here also proves they round-trip.
        _cache.Clear();
        Saves++;
        return Task.CompletedTask;
    }

    private bool TryAdd<T>(string stateName, T value)
    {
        if (Contains(stateName)) return false;
        _cache[stateName] = new Entry(value, Removed: false);
        Written();
        return true;
    }

    private Task Written() => saveEveryWrite ? SaveStateAsync() : Task.CompletedTask;

    private bool Contains(string stateName) => _cache.TryGetValue(stateName, out var entry) ? !entry.Removed : _store.ContainsKey(stateName);

    private sealed record Entry(object? Value, bool Removed);
}
