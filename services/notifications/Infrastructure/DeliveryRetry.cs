using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// The retries of one delivery (Polly): up to <see cref="DeliveryOptions.MaxAttempts"/> attempts, each bounded by
/// <see cref="DeliveryOptions.AttemptTimeout"/> (a receiver that does not answer is a failed attempt), waiting
/// <see cref="DeliveryOptions.FirstRetryDelay"/> and then exponentially longer (jittered, at most
/// <see cref="DeliveryOptions.MaxRetryDelay"/>) between them. A <see cref="PermanentDeliveryException"/> is not retried.
/// </summary>
public static class DeliveryRetry
{
    /// <summary>Builds the pipeline.</summary>
    /// <param name="options">Attempts, waits and timeout.</param>
    /// <param name="time">The clock the waits and the timeout run on.</param>
    /// <param name="onRetry">Told of each retry: the attempt that failed (0-based), the wait, and why.</param>
    /// <returns>The pipeline.</returns>
    public static ResiliencePipeline Build(DeliveryOptions options, TimeProvider time, Action<int, TimeSpan, Exception?>? onRetry = null) =>
        Build(options, time, 0, (attempt, wait, error) =>
        {
            onRetry?.Invoke(attempt, wait, error);
            return default;
        });

    /// <summary>
    /// Builds the pipeline of a delivery that already made <paramref name="attemptsMade"/> attempts (in a process that
    /// stopped): the attempts left, and waits that go on from where the series was.
    /// </summary>
    /// <param name="options">Attempts, waits and timeout.</param>
    /// <param name="time">The clock the waits and the timeout run on.</param>
    /// <param name="attemptsMade">Attempts made before.</param>
    /// <param name="onRetry">Told of each retry before its wait (the attempt that failed, 0-based in this pipeline, the wait, why).</param>
    /// <returns>The pipeline.</returns>
    public static ResiliencePipeline Build(DeliveryOptions options, TimeProvider time, int attemptsMade, Func<int, TimeSpan, Exception?, ValueTask> onRetry)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onRetry);
        if (options.MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(options), "Notifications:Delivery:MaxAttempts must be at least 1");
        var left = Math.Max(1, options.MaxAttempts - attemptsMade);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (left > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not (PermanentDeliveryException or OperationCanceledException)),
                MaxRetryAttempts = left - 1,
                BackoffType = DelayBackoffType.Exponential,
                // The series goes on: after n attempts the next wait is FirstRetryDelay x 2^(n-1), as it would have been.
                Delay = TimeSpan.FromTicks((long)Math.Min(options.FirstRetryDelay.Ticks * Math.Pow(2, attemptsMade), options.MaxRetryDelay.Ticks)),
                MaxDelay = options.MaxRetryDelay,
                UseJitter = options.UseJitter,
                OnRetry = args => onRetry(args.AttemptNumber, args.RetryDelay, args.Outcome.Exception),
            });
        }
        return builder.AddTimeout(options.AttemptTimeout).Build();
    }
}
