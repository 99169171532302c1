using LocalDapr.Configuration;

namespace LocalDapr.State;

/// <summary>
/// <c>state.in-memory</c> as components-contrib has it: a transactional store whose ETags are opaque (a new UUID on every
/// write), so any ETag that is not the current one, whatever its form, is a mismatch; nothing is an invalid ETag here.
/// </summary>
public sealed class InMemoryStateStore(ComponentSpec spec, TimeProvider time) : IStateStore
{
    private readonly Dictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public string Name => spec.Name;

    public string Type => spec.Type;

    public bool IsActorStateStore => spec.MetaBool("actorStateStore");

    public IReadOnlyList<string> Features { get; } = ["ETAG", "TRANSACTIONAL", "TTL", "ACTOR"];

    public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(Live(key) is { } item
                ? new StateEntry(item.Value, item.ETag, item.ExpiresAt)
                : null);
        }
    }

    public ValueTask WriteAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var write in writes) Check(write);
            foreach (var write in writes)
            {
                if (write.IsDelete)
                {
                    _items.Remove(write.Key);
                    continue;
                }
                DateTimeOffset? expires = write.Ttl is { } ttl && ttl > TimeSpan.Zero ? time.GetUtcNow() + ttl : null;
                _items[write.Key] = new Item(write.Value!, Guid.NewGuid().ToString(), expires);
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Every live key and its value, for tests and diagnostics that must see all a store holds.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Snapshot()
    {
        lock (_lock)
        {
            return [.. _items.Keys.ToList().Select(key => (Key: key, Item: Live(key))).Where(e => e.Item is not null).Select(e => KeyValuePair.Create(e.Key, e.Item!.Value))];
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Check(StateWrite write)
    {
        var current = Live(write.Key);
        if (string.IsNullOrEmpty(write.ETag))
        {
            if (write.Concurrency == Concurrency.FirstWrite && current is not null)
                throw new ETagException(ETagProblem.Mismatch, "item already exists and no etag was passed");
        }
        else if (current is null)
        {
            throw new ETagException(ETagProblem.Mismatch, $"state not exist or expired for key={write.Key}");
        }
        else if (current.ETag != write.ETag)
        {
            throw new ETagException(ETagProblem.Mismatch, $"state etag not match for key={write.Key}: current={current.ETag}, expect={write.ETag}");
        }
    }

    private Item? Live(string key)
    {
        if (!_items.TryGetValue(key, out var item)) return null;
        if (item.ExpiresAt is { } at && at <= time.GetUtcNow())
        {
            _items.Remove(key);
            return null;
        }
        return item;
    }

    private sealed record Item(byte[] Value, string ETag, DateTimeOffset? ExpiresAt);
}
