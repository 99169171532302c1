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
    public static ResiliencePipeline Build(DeliveryOptions options, TimeProvider time, Action<int, TimeSpan, Exception?>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(options), "Notifications:Delivery:MaxAttempts must be at least 1");
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not (PermanentDeliveryException or OperationCanceledException)),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.FirstRetryDelay,
                MaxDelay = options.MaxRetryDelay,
                UseJitter = options.UseJitter,
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.AttemptNumber, args.RetryDelay, args.Outcome.Exception);
                    return default;
                },
            });
        }
        return builder.AddTimeout(options.AttemptTimeout).Build();
    }
}
