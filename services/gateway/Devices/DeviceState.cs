using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway.Domain;
using Mtaeda.Gateway.Journal;

namespace Mtaeda.Gateway.Devices;

/// <summary>
/// Everything the gateway holds for one device, guarded by <see cref="Gate"/>: the highest sequence taken, the open
/// batch, the journal entries not yet durable (<see cref="Journaling"/>) and those durable but without an outcome
/// (<see cref="Forwarding"/>), both in sequence order, the rejections not yet written to the device, and its session.
/// </summary>
internal sealed class DeviceState(string deviceId, BatchingPolicy policy)
{
    public Lock Gate { get; } = new();

    public string DeviceId { get; } = deviceId;

    public string StationId { get; set; } = "";

    public TurnstileStatus Status { get; set; } = TurnstileStatus.Unspecified;

    /// <summary>When the status applied last changed (equipment's time); a change older than this is ignored. Null until one is applied.</summary>
    public DateTimeOffset? StatusChangedAt { get; set; }

    /// <summary>When the head entry, held back by equipment (station offline), is offered again; null when not held.</summary>
    public DateTimeOffset? HeldUntil { get; set; }

    /// <summary>Highest sequence taken from the device (signals at or below it are replays).</summary>
    public ulong Received { get; set; }

    private ulong _acceptedThrough;
    private ulong _forwardedThrough;

    public ulong AcceptedThrough => Volatile.Read(ref _acceptedThrough);

    public ulong ForwardedThrough => Volatile.Read(ref _forwardedThrough);

    /// <summary>
    /// Both watermarks, readable without <see cref="Gate"/> (by the session's writer): forwarded is read first, so the
    /// pair never shows more forwarded than accepted.
    /// </summary>
    public (ulong Accepted, ulong Forwarded) Watermarks
    {
        get
        {
            var forwarded = ForwardedThrough;
            return (AcceptedThrough, forwarded);
        }
    }

    public PassageBatcher Batcher { get; } = new(deviceId, policy);

    public Queue<JournalEntry> Journaling { get; } = new();

    public Queue<JournalEntry> Forwarding { get; } = new();

    public List<UndeliveredRejection> Undelivered { get; } = [];

    public DeviceSession? Session { get; set; }

    /// <summary>True while the device's head entry is queued for, or in, a forwarding worker (at most one at a time: order is kept).</summary>
    public bool Scheduled { get; set; }

    /// <summary>Recomputes both watermarks (they only grow); true when either moved. Call under <see cref="Gate"/>.</summary>
    public bool Recompute()
    {
        var open = Batcher.FirstSequence;
        var notDurable = Journaling.Count > 0 ? Journaling.Peek().FirstSequence : 0;
        var pending = Forwarding.Count > 0 ? Forwarding.Peek().FirstSequence : notDurable;
        var undelivered = FirstUndelivered();
        var accepted = Math.Max(_acceptedThrough, Domain.Watermarks.Accepted(Received, open, notDurable));
        var forwarded = Math.Max(_forwardedThrough, Domain.Watermarks.Forwarded(Received, open, pending, undelivered));
        var moved = accepted != _acceptedThrough || forwarded != _forwardedThrough;
        // Accepted first: a reader that sees the new forwarded watermark sees an accepted one at least as high.
        Volatile.Write(ref _acceptedThrough, accepted);
        Volatile.Write(ref _forwardedThrough, forwarded);
        return moved;
    }

    private ulong FirstUndelivered()
    {
        var first = 0ul;
        foreach (var rejection in Undelivered)
        {
            if (first == 0 || rejection.FirstSequence < first) first = rejection.FirstSequence;
        }
        return first;
    }
}
