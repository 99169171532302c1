namespace Mtaeda.Testing;

/// <summary>
/// The one way tests wait for a condition that can only be polled (state changed in the background, an eventually
/// consistent read side): checked at once, then every <see cref="Interval"/>, until it holds or the timeout passes
/// (a <see cref="TimeoutException"/> naming what was awaited). Waits on real time, so it works beside a fake clock. Where a
/// change can be signalled (an <see cref="Observer"/>, a test device), wait on the signal instead.
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

    /// <summary>Polls <paramref name="probe"/> until it returns a value <paramref name="done"/> accepts.</summary>
    /// <typeparam name="T">The value.</typeparam>
    /// <param name="probe">Reads the value.</param>
    /// <param name="done">Whether it is what the test waits for.</param>
    /// <param name="timeout">The deadline.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <returns>The accepted value.</returns>
    public static async Task<T> MatchesAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, CancellationToken cancellationToken, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            try
            {
                await Task.Delay(Interval, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what ?? "the condition"}; last value: {value}");
            }
        }
    }
}
