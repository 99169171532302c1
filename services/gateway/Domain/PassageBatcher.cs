using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;

namespace Mtaeda.Gateway.Domain;

/// <summary>When an open batch of passages is cut: at the latest after <paramref name="MaxDelay"/> or <paramref name="MaxPassages"/>.</summary>
/// <param name="MaxDelay">Longest time a passage waits in an open batch (1 ms to 60 s).</param>
/// <param name="MaxPassages">Most passages in one batch (at least 1).</param>
public sealed record BatchingPolicy(TimeSpan MaxDelay, int MaxPassages)
{
    /// <summary>The defaults: 250 ms, 1000 passages.</summary>
    public static BatchingPolicy Default { get; } = new(TimeSpan.FromMilliseconds(250), 1000);
}

/// <summary>Passages through one turnstile, cut by the gateway: the unit recorded by equipment.</summary>
/// <param name="DeviceId">The turnstile (device id = turnstile id).</param>
/// <param name="FirstSequence">Sequence of the first passage in the batch.</param>
/// <param name="LastSequence">Sequence of the last passage in the batch.</param>
/// <param name="Ingress">Entries.</param>
/// <param name="Egress">Exits.</param>
/// <param name="IntervalStart">Earliest passage time (device clock).</param>
/// <param name="IntervalEnd">Latest passage time; in the same UTC minute as <paramref name="IntervalStart"/>.</param>
public sealed record PassageBatch(string DeviceId, ulong FirstSequence, ulong LastSequence, long Ingress, long Egress, DateTimeOffset IntervalStart, DateTimeOffset IntervalEnd)
{
    /// <summary>The batch's idempotency key (see <see cref="BatchIds.ForPassages"/>).</summary>
    public string BatchId => BatchIds.ForPassages(DeviceId, FirstSequence, LastSequence);

    /// <summary>Passages in the batch.</summary>
    public long Passages => Ingress + Egress;

    /// <summary>The command that records the batch.</summary>
    /// <returns>The request.</returns>
    public RecordPassagesRequest ToRequest() => new()
    {
        BatchId = BatchId,
        TurnstileId = DeviceId,
        Ingress = Ingress,
        Egress = Egress,
        IntervalStart = Timestamp.FromDateTimeOffset(IntervalStart),
        IntervalEnd = Timestamp.FromDateTimeOffset(IntervalEnd),
    };
}

/// <summary>
/// The open batch of one turnstile. Passages join it in sequence order; it is cut when a passage falls in another UTC
/// minute than the batch (by the passage's own time, so every batch lies within one minute and read sides can count
/// per minute exactly), when it reaches <see cref="BatchingPolicy.MaxPassages"/>, when it has been open for
/// <see cref="BatchingPolicy.MaxDelay"/>, or on demand (a fault, shutdown). No I/O: the caller journals what it cuts.
/// </summary>
/// <param name="deviceId">The turnstile.</param>
/// <param name="policy">When to cut.</param>
public sealed class PassageBatcher(string deviceId, BatchingPolicy policy)
{
    private ulong _first;
    private ulong _last;
    private long _ingress;
    private long _egress;
    private DateTimeOffset _start;
    private DateTimeOffset _end;
    private long _minute;
    private DateTimeOffset _openedAt;

    /// <summary>True while passages wait in an open batch.</summary>
    public bool IsOpen => _ingress + _egress > 0;

    /// <summary>Sequence of the first waiting passage; 0 when none waits.</summary>
    public ulong FirstSequence => IsOpen ? _first : 0;

    /// <summary>When the open batch must be cut at the latest (gateway clock); null when none is open.</summary>
    public DateTimeOffset? Deadline => IsOpen ? _openedAt + policy.MaxDelay : null;

    /// <summary>Adds a passage and returns the batches this cuts (none, one or two), in order.</summary>
    /// <param name="sequence">The passage's sequence, above every earlier one.</param>
    /// <param name="occurredAt">When it happened (device clock).</param>
    /// <param name="direction">Entry or exit (not unspecified).</param>
    /// <param name="now">Gateway time, for the delay.</param>
    /// <returns>The batches cut, oldest first.</returns>
    public IReadOnlyList<PassageBatch> Add(ulong sequence, DateTimeOffset occurredAt, PassageDirection direction, DateTimeOffset now)
    {
        if (direction is not (PassageDirection.Ingress or PassageDirection.Egress))
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "A passage is an entry or an exit.");
        List<PassageBatch>? cut = null;
        var minute = MinuteOf(occurredAt);
        if (IsOpen && minute != _minute) (cut ??= []).Add(Cut());
        if (!IsOpen)
        {
            _first = sequence;
            _start = _end = occurredAt;
            _minute = minute;
            _openedAt = now;
        }
        _last = sequence;
        if (occurredAt < _start) _start = occurredAt;
        if (occurredAt > _end) _end = occurredAt;
        if (direction == PassageDirection.Ingress) _ingress++;
        else _egress++;
        if (_ingress + _egress >= policy.MaxPassages) (cut ??= []).Add(Cut());
        return cut ?? (IReadOnlyList<PassageBatch>)[];
    }

    /// <summary>Cuts the open batch if it has waited <see cref="BatchingPolicy.MaxDelay"/> by <paramref name="now"/>.</summary>
    /// <param name="now">Gateway time.</param>
    /// <returns>The batch cut, or null.</returns>
    public PassageBatch? FlushIfDue(DateTimeOffset now) => IsOpen && now >= _openedAt + policy.MaxDelay ? Cut() : null;

    /// <summary>Cuts the open batch, if any.</summary>
    /// <returns>The batch cut, or null.</returns>
    public PassageBatch? Flush() => IsOpen ? Cut() : null;

    /// <summary>The UTC minute a time falls in, as minutes since 0001-01-01.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The minute number.</returns>
    public static long MinuteOf(DateTimeOffset time) => time.UtcTicks / TimeSpan.TicksPerMinute;

    private PassageBatch Cut()
    {
        var batch = new PassageBatch(deviceId, _first, _last, _ingress, _egress, _start, _end);
        _ingress = _egress = 0;
        _first = _last = 0;
        return batch;
    }
}
