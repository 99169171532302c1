using System.Globalization;
using LocalDapr.Configuration;

namespace LocalDapr.State;

/// <summary>
/// <c>state.in-memory</c>: a transactional store whose ETags are increasing version numbers, as with <c>state.redis</c>.
/// </summary>
public sealed class InMemoryStateStore(ComponentSpec spec, TimeProvider time) : IStateStore
{
    private readonly Dictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _version;

    public string Name => spec.Name;

    public string Type => spec.Type;

    public bool IsActorStateStore => spec.MetaBool("actorStateStore");

    public IReadOnlyList<string> Features { get; } = ["ETAG", "TRANSACTIONAL", "TTL", "ACTOR"];

    public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(Live(key) is { } item
                ? new StateEntry(item.Value, item.Version.ToString(CultureInfo.InvariantCulture), item.ExpiresAt)
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
                _items[write.Key] = new Item(write.Value!, ++_version, expires);
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Check(StateWrite write)
    {
        var current = Live(write.Key);
        if (!string.IsNullOrEmpty(write.ETag))
        {
            if (!long.TryParse(write.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
                throw new ETagException(ETagProblem.Invalid, $"invalid etag value: {write.ETag}");
            if (current is null || current.Version != expected)
                throw new ETagException(ETagProblem.Mismatch, $"etag mismatch for key {write.Key}");
        }
        else if (write.Concurrency == Concurrency.FirstWrite && !write.IsDelete && current is not null)
        {
            throw new ETagException(ETagProblem.Mismatch, $"first-write concurrency: key {write.Key} already exists and no etag was given");
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

    private sealed record Item(byte[] Value, long Version, DateTimeOffset? ExpiresAt);
}
