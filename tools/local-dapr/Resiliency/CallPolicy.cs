using LocalDapr.PubSub;
using Polly;
using Polly.Retry;

namespace LocalDapr.Resiliency;

/// <summary>What a resiliency target asks for: a timeout per attempt, a retry policy and a circuit breaker.</summary>
public sealed record TargetPolicy(TimeSpan? Timeout, RetrySpec? Retry, CircuitBreakerSpec? CircuitBreaker);

/// <summary>Raised when an attempt outlives the policy's timeout.</summary>
public sealed class PolicyTimeoutException(TimeSpan timeout) : Exception($"timeout after {timeout.TotalMilliseconds:0} ms");

/// <summary>
/// Runs a call under a target's policy as daprd does: the retry (Polly) wraps the circuit breaker, which wraps the
/// timeout of each attempt. A result counts as a failure when <c>isFailure</c> says so, an exception always does,
/// unless <c>isPermanent</c> marks it as one that no retry can mend (an ETag mismatch, say).
/// </summary>
public sealed class CallPolicy
{
    private readonly TimeSpan? _timeout;
    private readonly CircuitBreaker? _breaker;
    private readonly RetrySpec? _retry;
    private readonly TimeProvider _time;

    public CallPolicy(TargetPolicy? policy, RetrySpec? fallbackRetry, TimeProvider time)
    {
        _time = time;
        _timeout = policy?.Timeout;
        _retry = policy?.Retry ?? fallbackRetry;
        _breaker = policy?.CircuitBreaker is { } cb ? new CircuitBreaker(cb, time) : null;
    }

    public static CallPolicy None(TimeProvider time) => new(null, null, time);

    public CircuitBreaker? Breaker => _breaker;

    /// <summary>The retry policy, or null when there is none.</summary>
    public RetrySpec? Retry => _retry;

    /// <summary>True when a failed call may be tried again (a retry policy with retries).</summary>
    public bool HasRetries => _retry is { MaxRetries: not 0 };

    /// <summary>
    /// Runs <paramref name="call"/> under the policy. Every failure counts against the breaker; a failed result is retried
    /// only when <paramref name="isRetryable"/> (default: always) says so, as daprd retries an invocation's answer only
    /// when its code is in the retry policy's <c>matching</c>.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, Func<T, bool> isFailure, Func<Exception, bool>? isPermanent, CancellationToken cancellationToken,
        Func<T, bool>? isRetryable = null)
    {
        if (_retry is null || _retry.MaxRetries == 0) return await AttemptAsync(call, isFailure, isPermanent, cancellationToken);
        var pipeline = new ResiliencePipelineBuilder<T> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<T>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e
                    ? e is not OperationCanceledException && isPermanent?.Invoke(e) != true
                    : isFailure(args.Outcome.Result!) && isRetryable?.Invoke(args.Outcome.Result!) != false),
                MaxRetryAttempts = _retry.MaxRetries < 0 ? int.MaxValue : _retry.MaxRetries,
                Delay = _retry.Duration,
                MaxDelay = _retry.MaxInterval,
                BackoffType = _retry.Exponential ? DelayBackoffType.Exponential : DelayBackoffType.Constant,
                UseJitter = _retry.Exponential,
            })
            .Build();
        return await pipeline.ExecuteAsync(async token => await AttemptAsync(call, isFailure, isPermanent, token), cancellationToken);
    }

    public Task ExecuteAsync(Func<CancellationToken, Task> call, Func<Exception, bool>? isPermanent, CancellationToken cancellationToken) =>
        ExecuteAsync(async token =>
        {
            await call(token);
            return true;
        }, _ => false, isPermanent, cancellationToken);

    private async Task<T> AttemptAsync<T>(Func<CancellationToken, Task<T>> call, Func<T, bool> isFailure, Func<Exception, bool>? isPermanent, CancellationToken cancellationToken)
    {
        _breaker?.Enter();
        using var timeout = _timeout is { } t ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        if (timeout is not null) timeout.CancelAfter(_timeout!.Value);
        try
        {
            var result = await call(timeout?.Token ?? cancellationToken);
            // Some callees (a proxy, say) turn cancellation into an error result instead of throwing.
            if (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested) throw new OperationCanceledException(timeout.Token);
            _breaker?.Record(!isFailure(result));
            return result;
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            _breaker?.Record(false);
            throw new PolicyTimeoutException(_timeout!.Value);
        }
        catch (Exception e) when (isPermanent?.Invoke(e) != true)
        {
            _breaker?.Record(false);
            throw;
        }
    }
}
