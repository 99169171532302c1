namespace Mtaeda.Gateway.Forwarding;

/// <summary>
/// Shared back-off while equipment cannot be reached: one failure closes the gate for a while (doubling from
/// <paramref name="min"/> to <paramref name="max"/>, with jitter), so that every forwarding worker waits instead of
/// hammering a sidecar or service that is down; the first success opens it again.
/// </summary>
internal sealed class RetryGate(TimeSpan min, TimeSpan max, TimeProvider time)
{
    private readonly Lock _lock = new();
    private DateTimeOffset _openAt;
    private TimeSpan _backoff;

    /// <summary>True while no failure is being waited out.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock) return _backoff == TimeSpan.Zero || time.GetUtcNow() >= _openAt;
        }
    }

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_lock) wait = _openAt - time.GetUtcNow();
        if (wait > TimeSpan.Zero) await Task.Delay(wait + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 20)), time, cancellationToken);
    }

    /// <summary>A call failed; true when this starts an outage (the first failure after a success).</summary>
    public bool Fail()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_backoff > TimeSpan.Zero && now < _openAt) return false;
            var first = _backoff == TimeSpan.Zero;
            _backoff = first ? min : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, max.Ticks));
            _openAt = now + _backoff;
            return first;
        }
    }

    /// <summary>A call succeeded; true when this ends an outage.</summary>
    public bool Succeed()
    {
        lock (_lock)
        {
            var ended = _backoff > TimeSpan.Zero;
            _backoff = TimeSpan.Zero;
            return ended;
        }
    }
}
