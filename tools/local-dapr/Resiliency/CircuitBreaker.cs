namespace LocalDapr.Resiliency;

/// <summary>A circuit breaker as Dapr's resiliency describes one (sony/gobreaker semantics).</summary>
public sealed record CircuitBreakerSpec(string Name, int MaxRequests, TimeSpan Interval, TimeSpan Timeout, int TripAfterConsecutiveFailures);

/// <summary>Raised instead of calling while the breaker is open, or half-open with its trial calls taken, in gobreaker's words.</summary>
public sealed class CircuitOpenException(string name, bool halfOpen) : Exception(halfOpen ? "too many requests" : "circuit breaker is open")
{
    public string BreakerName { get; } = name;
}

/// <summary>
/// Closed: calls pass and consecutive failures are counted (cleared every <c>interval</c> when set); more than the
/// trip count opens it. Open: calls are refused for <c>timeout</c>. Half-open: up to <c>maxRequests</c> trial calls;
/// that many successes close it, one failure opens it again.
/// </summary>
public sealed class CircuitBreaker(CircuitBreakerSpec spec, TimeProvider time)
{
    private readonly Lock _lock = new();
    private State _state = State.Closed;
    private int _consecutiveFailures;
    private int _halfOpenCalls;
    private int _halfOpenSuccesses;
    private DateTimeOffset _openedAt;
    private DateTimeOffset _windowStart = time.GetUtcNow();

    public enum State
    {
        Closed,
        Open,
        HalfOpen,
    }

    public string Name => spec.Name;

    public State Current
    {
        get
        {
            lock (_lock)
            {
                Advance();
                return _state;
            }
        }
    }

    /// <summary>Admits a call or throws <see cref="CircuitOpenException"/>.</summary>
    public void Enter()
    {
        lock (_lock)
        {
            Advance();
            if (_state == State.Open) throw new CircuitOpenException(spec.Name, halfOpen: false);
            if (_state == State.HalfOpen && _halfOpenCalls >= spec.MaxRequests) throw new CircuitOpenException(spec.Name, halfOpen: true);
            if (_state == State.HalfOpen) _halfOpenCalls++;
        }
    }

    public void Record(bool success)
    {
        lock (_lock)
        {
            switch (_state)
            {
                case State.HalfOpen when !success:
                    Open();
                    break;
                case State.HalfOpen when ++_halfOpenSuccesses >= spec.MaxRequests:
                    _state = State.Closed;
                    _consecutiveFailures = 0;
                    _windowStart = time.GetUtcNow();
                    break;
                case State.Closed when success:
                    _consecutiveFailures = 0;
                    break;
                case State.Closed when ++_consecutiveFailures > spec.TripAfterConsecutiveFailures:
                    Open();
                    break;
            }
        }
    }

    private void Open()
    {
        _state = State.Open;
        _openedAt = time.GetUtcNow();
    }

    private void Advance()
    {
        var now = time.GetUtcNow();
        if (_state == State.Open && now - _openedAt >= spec.Timeout)
        {
            _state = State.HalfOpen;
            _halfOpenCalls = 0;
            _halfOpenSuccesses = 0;
        }
        if (_state == State.Closed && spec.Interval > TimeSpan.Zero && now - _windowStart >= spec.Interval)
        {
            _consecutiveFailures = 0;
            _windowStart = now;
        }
    }
}
