namespace Mtaeda.Testing;

/// <summary>
/// What an app under test received (events, requests), in order, for tests to wait on without sleeping: each
/// <see cref="Add"/> wakes the waits, which check their condition again (<see cref="Eventually"/>, signalled).
/// </summary>
/// <typeparam name="T">What is recorded.</typeparam>
public class Recording<T>
{
    private readonly List<T> _items = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many items were recorded.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _items.Count;
        }
    }

    /// <summary>What was recorded so far, in order.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_lock) return [.. _items];
    }

    /// <summary>Records <paramref name="item"/> and wakes every wait.</summary>
    /// <param name="item">The item.</param>
    public void Add(T item)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _items.Add(item);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Waits until what was recorded satisfies <paramref name="condition"/>.</summary>
    /// <param name="condition">The condition, over everything recorded, in order.</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <param name="timeout">How long to wait (<see cref="Eventually.DefaultTimeout"/> when null).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>What was recorded when it held.</returns>
    public Task<IReadOnlyList<T>> WaitUntilAsync(Func<IReadOnlyList<T>, bool> condition, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Eventually.MatchesAsync(() => Task.FromResult(Snapshot()), condition, timeout ?? Eventually.DefaultTimeout, cancellationToken, what, Changed,
            items => $"{items.Count} recorded: {string.Join(", ", items.Select(Describe))}");

    /// <summary>Says one item in a timeout's message.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The text.</returns>
    protected virtual string Describe(T item) => item?.ToString() ?? "null";

    private Task Changed()
    {
        lock (_lock) return _changed.Task;
    }
}
