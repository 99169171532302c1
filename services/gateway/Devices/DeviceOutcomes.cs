using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Journal;

namespace Mtaeda.Gateway.Devices;

/// <summary>What an outcome says happened.</summary>
internal enum DeviceOutcomeKind
{
    /// <summary>The journal made entries durable (in journal order): they may be acknowledged and forwarded.</summary>
    Durable,

    /// <summary>Equipment recorded a forwarded entry (its outcome is journaled).</summary>
    Recorded,

    /// <summary>Equipment refused a forwarded entry for good (its outcome is journaled).</summary>
    Rejected,

    /// <summary>Equipment could not be reached: the entry stays at the head of its device and is offered again.</summary>
    RetryLater,

    /// <summary>
    /// Equipment holds the entry back (its station is offline): it stays at the head of its device and is offered again
    /// after <c>Gateway:StationOfflineRetryInterval</c>.
    /// </summary>
    Held,

    /// <summary>A session wrote a rejection to its device.</summary>
    RejectionWritten,

    /// <summary>Equipment announced a new status of a turnstile.</summary>
    StatusChanged,
}

/// <summary>
/// One thing that happened downstream of the device registry, reported back to it. A value type: reporting allocates
/// nothing of its own. Which fields are set depends on <see cref="Kind"/>.
/// </summary>
internal readonly record struct DeviceOutcome(
    DeviceOutcomeKind Kind,
    DeviceState? Device = null,
    JournalEntry? Entry = null,
    JournalEntry[]? Entries = null,
    bool Duplicate = false,
    TurnstileStatus Status = TurnstileStatus.Unspecified,
    RejectionReason Reason = RejectionReason.Unspecified,
    string Message = "",
    UndeliveredRejection? Rejection = null,
    string DeviceId = "",
    string StationId = "",
    Timestamp? At = null);

/// <summary>
/// The one way back to the <see cref="DeviceRegistry"/>: the journal, the forwarder, device sessions and equipment's
/// status events write what happened here, and the registry, the only owner of device state, reads it in order. Signals
/// flow the other way: session → registry (batching) → journal → forwarder.
/// </summary>
internal sealed class DeviceOutcomes
{
    private readonly Channel<DeviceOutcome> _channel = Channel.CreateUnbounded<DeviceOutcome>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>What happened, in the order it was reported (read by the registry only).</summary>
    public ChannelReader<DeviceOutcome> Reader => _channel.Reader;

    /// <summary>The journal made <paramref name="entries"/> durable, in journal order.</summary>
    public void Durable(JournalEntry[] entries) => Write(new(DeviceOutcomeKind.Durable, Entries: entries));

    /// <summary>Equipment recorded <paramref name="entry"/> of <paramref name="device"/>; <paramref name="statusAfterFault"/> is the status a fault led to.</summary>
    public void Recorded(DeviceState device, JournalEntry entry, bool duplicate, TurnstileStatus statusAfterFault) =>
        Write(new(DeviceOutcomeKind.Recorded, device, entry, Duplicate: duplicate, Status: statusAfterFault));

    /// <summary>Equipment refused <paramref name="entry"/> of <paramref name="device"/> for good.</summary>
    public void Rejected(DeviceState device, JournalEntry entry, RejectionReason reason, string message) =>
        Write(new(DeviceOutcomeKind.Rejected, device, entry, Reason: reason, Message: message));

    /// <summary><paramref name="entry"/> of <paramref name="device"/> could not be forwarded now.</summary>
    public void RetryLater(DeviceState device, JournalEntry entry) => Write(new(DeviceOutcomeKind.RetryLater, device, entry));

    /// <summary><paramref name="entry"/> of <paramref name="device"/> is held back by equipment for now (<paramref name="why"/>).</summary>
    public void Held(DeviceState device, JournalEntry entry, string why) => Write(new(DeviceOutcomeKind.Held, device, entry, Message: why));

    /// <summary>A session wrote <paramref name="rejection"/> to <paramref name="device"/>.</summary>
    public void RejectionWritten(DeviceState device, UndeliveredRejection rejection) =>
        Write(new(DeviceOutcomeKind.RejectionWritten, device, Rejection: rejection));

    /// <summary>Equipment says turnstile <paramref name="turnstileId"/> is now <paramref name="status"/>, since <paramref name="changedAt"/>.</summary>
    public void StatusChanged(string turnstileId, string stationId, TurnstileStatus status, string reason, Timestamp? changedAt) =>
        Write(new(DeviceOutcomeKind.StatusChanged, Status: status, Message: reason, DeviceId: turnstileId, StationId: stationId, At: changedAt));

    // Unbounded: a write never waits and never fails while the channel is open; after shutdown nothing reads it.
    private void Write(DeviceOutcome outcome) => _channel.Writer.TryWrite(outcome);
}
