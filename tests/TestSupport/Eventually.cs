namespace Mtaeda.Testing;

/// <summary>
/// The one way tests wait for a condition that can only be polled (state changed in the background, an eventually
/// consistent read side): checked at once, then every <see cref="Interval"/>, until it holds or the timeout passes
/// (a <see cref="TimeoutException"/> naming what was awaited). Waits on real time, so it works beside a fake clock. Where a
/// change can be signalled (a <see cref="Recording{T}"/>: an <see cref="Observer"/>, a <see cref="RawApp"/>), the same
/// loop wakes on the signal instead of the interval.
/// </summary>
public static class Eventually
{
    /// <summary>How long a wait lasts unless told otherwise.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the condition is checked.</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <param name="timeout">How long to wait (<see cref="DefaultTimeout"/> when null).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return MatchesAsync(() => Task.FromResult(condition()), static held => held, timeout ?? DefaultTimeout, cancellationToken, what);
    }

    /// <summary>Waits until the asynchronous <paramref name="condition"/> holds.</summary>
    /// <param name="condition">The condition (a query, a call).</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <param name="timeout">How long to wait (<see cref="DefaultTimeout"/> when null).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        MatchesAsync(condition, static held => held, timeout ?? DefaultTimeout, cancellationToken, what);

    /// <summary>
    /// Polls <paramref name="probe"/> until it returns a value <paramref name="done"/> accepts: every <see cref="Interval"/>,
    /// or, where the change can be signalled, each time <paramref name="changed"/> completes.
    /// </summary>
    /// <typeparam name="T">The value.</typeparam>
    /// <param name="probe">Reads the value.</param>
    /// <param name="done">Whether it is what the test waits for.</param>
    /// <param name="timeout">The deadline.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <param name="changed">
    /// The next change, when the value signals its changes (a <see cref="Recording{T}"/>): a task that completes on the
    /// first change after it was asked for. It is asked for before each probe, so a change is never missed. Null: poll.
    /// </param>
    /// <param name="describe">Says the last value in the timeout's message (default: its <c>ToString()</c>).</param>
    /// <returns>The accepted value.</returns>
    public static async Task<T> MatchesAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, CancellationToken cancellationToken, string? what = null,
        Func<Task>? changed = null, Func<T, string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var next = changed?.Invoke();
            var value = await probe();
            if (done(value)) return value;
            try
            {
                await (next ?? Task.Delay(Interval, deadline.Token)).WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what ?? "the condition"}; last value: {(describe is null ? value : describe(value))}");
            }
        }
    }
}
