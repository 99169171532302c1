using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Domain;
using Mtaeda.Gateway.Journal;
using Mtaeda.Gateway.Telemetry;

namespace Mtaeda.Gateway.Devices;

/// <summary>
/// The devices the gateway knows, and the path of their signals: taking them from a session (replays ignored, invalid
/// ones refused), batching passages, journaling batches and faults in device order, acknowledging what is durable, and
/// handing durable entries to the forwarder one device at a time, in order.
/// </summary>
internal sealed class DeviceRegistry
{
    private readonly ConcurrentDictionary<string, DeviceState> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<DeviceState, byte> _openBatches = new();
    private readonly Channel<DeviceState> _ready = Channel.CreateUnbounded<DeviceState>();
    private readonly PassageJournal _journal;
    private readonly GatewayOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly LivenessTracker _liveness;
    private readonly LivenessEvents _events;
    private readonly TimeProvider _time;

    public DeviceRegistry(PassageJournal journal, GatewayOptions options, GatewayMetrics metrics, LivenessTracker liveness, LivenessEvents events, TimeProvider time)
    {
        _journal = journal;
        _options = options;
        _metrics = metrics;
        _liveness = liveness;
        _events = events;
        _time = time;
        metrics.ObserveJournal(() => journal.PendingCount);
        foreach (var recovered in journal.Recovered.Values)
        {
            var device = Get(recovered.DeviceId);
            lock (device.Gate)
            {
                device.Received = recovered.AcceptedThrough;
                foreach (var entry in recovered.Pending) device.Forwarding.Enqueue(entry);
                device.Undelivered.AddRange(recovered.Undelivered);
                device.Recompute();
                Schedule(device);
            }
        }
        journal.OnDurable = OnDurable;
    }

    /// <summary>Devices with durable entries to forward (read by the forwarder).</summary>
    public ChannelReader<DeviceState> Ready => _ready.Reader;

    public DeviceState Get(string deviceId) => _devices.GetOrAdd(deviceId, id => new DeviceState(id, _options.Batching));

    public DeviceState? Find(string deviceId) => _devices.GetValueOrDefault(deviceId);

    public (ulong Accepted, ulong Forwarded) WatermarksOf(DeviceState device)
    {
        lock (device.Gate) return (device.AcceptedThrough, device.ForwardedThrough);
    }

    // ------------------------------------------------------------------ sessions

    /// <summary>Makes <paramref name="session"/> the device's session (ending an older one) and queues its Welcome and the rejections it has not seen.</summary>
    public void Attach(DeviceSession session, string stationId, TurnstileStatus status)
    {
        var device = session.Device;
        DeviceSession? older;
        lock (device.Gate)
        {
            older = device.Session;
            device.Session = session;
            if (stationId.Length > 0) device.StationId = stationId;
            if (status != TurnstileStatus.Unspecified || device.Status == TurnstileStatus.Unspecified) device.Status = status;
            session.Send(new GatewayMessage
            {
                Welcome = new Welcome
                {
                    DeviceId = device.DeviceId,
                    StationId = device.StationId,
                    AcceptedThrough = device.AcceptedThrough,
                    HeartbeatInterval = Duration.FromTimeSpan(_options.HeartbeatInterval),
                    OfflineAfter = Duration.FromTimeSpan(_options.EffectiveOfflineAfter),
                    Status = device.Status,
                },
            });
            foreach (var rejection in device.Undelivered) session.SendRejection(rejection);
            older?.Supersede();
        }
        _metrics.Connected();
    }

    public void Detach(DeviceSession session)
    {
        var device = session.Device;
        lock (device.Gate)
        {
            if (ReferenceEquals(device.Session, session)) device.Session = null;
        }
        _metrics.Disconnected();
    }

    /// <summary>Takes the signals of one message from the device; always acknowledges (a replay is acknowledged again).</summary>
    public void Receive(DeviceState device, DeviceMessage message)
    {
        var now = _time.GetUtcNow();
        long passages = 0;
        lock (device.Gate)
        {
            foreach (var signal in message.Signals)
            {
                if (signal.Sequence != 0 && signal.Sequence <= device.Received) continue;
                if (SignalRules.Validate(signal) is { } problem)
                {
                    if (signal.Sequence == 0)
                    {
                        // Not a position in the device's sequence: refused, and nothing to acknowledge.
                        device.Session?.Send(new GatewayMessage { Rejection = new Rejection { Reason = RejectionReason.InvalidSignal, Message = problem } });
                        continue;
                    }
                    device.Received = signal.Sequence;
                    Refuse(device, signal.Sequence, signal.Sequence, 0, RejectionReason.InvalidSignal, problem);
                    if (signal.SignalCase == DeviceSignal.SignalOneofCase.Passage) _metrics.Rejected(1, RejectionReason.InvalidSignal.ToString());
                    continue;
                }
                device.Received = signal.Sequence;
                switch (signal.SignalCase)
                {
                    case DeviceSignal.SignalOneofCase.Passage:
                        passages++;
                        foreach (var batch in device.Batcher.Add(signal.Sequence, signal.OccurredAt.ToDateTimeOffset(), signal.Passage.Direction, now))
                            JournalBatch(device, batch, now);
                        break;
                    case DeviceSignal.SignalOneofCase.Fault:
                        // Passages before the fault are recorded before it, and the ones after it are refused by equipment.
                        if (device.Batcher.Flush() is { } open) JournalBatch(device, open, now);
                        JournalFault(device, signal, now);
                        break;
                }
            }
            if (device.Batcher.IsOpen) _openBatches.TryAdd(device, 0);
            device.Recompute();
            device.Session?.RequestAck();
        }
        if (passages > 0) _metrics.Received(passages);
        if (_liveness.Seen(device.DeviceId, device.StationId, now) is { } back) _events.Publish(back);
    }

    // ------------------------------------------------------------------ batching and the journal

    /// <summary>Cuts the open batches that have waited long enough.</summary>
    public void FlushDue()
    {
        var now = _time.GetUtcNow();
        foreach (var device in _openBatches.Keys)
        {
            lock (device.Gate)
            {
                if (device.Batcher.FlushIfDue(now) is { } batch)
                {
                    JournalBatch(device, batch, now);
                    device.Recompute();
                }
                if (!device.Batcher.IsOpen) _openBatches.TryRemove(device, out _);
            }
        }
    }

    /// <summary>Cuts every open batch (shutdown).</summary>
    public void FlushAll()
    {
        var now = _time.GetUtcNow();
        foreach (var device in _devices.Values)
        {
            lock (device.Gate)
            {
                if (device.Batcher.Flush() is { } batch) JournalBatch(device, batch, now);
                _openBatches.TryRemove(device, out _);
            }
        }
    }

    private void JournalBatch(DeviceState device, PassageBatch batch, DateTimeOffset now) =>
        device.Journaling.Enqueue(_journal.Append(new JournalEntry
        {
            DeviceId = device.DeviceId,
            FirstSequence = batch.FirstSequence,
            LastSequence = batch.LastSequence,
            JournaledAt = Timestamp.FromDateTimeOffset(now),
            RecordPassages = batch.ToRequest(),
        }));

    private void JournalFault(DeviceState device, DeviceSignal signal, DateTimeOffset now) =>
        device.Journaling.Enqueue(_journal.Append(new JournalEntry
        {
            DeviceId = device.DeviceId,
            FirstSequence = signal.Sequence,
            LastSequence = signal.Sequence,
            JournaledAt = Timestamp.FromDateTimeOffset(now),
            ReportFault = new ReportFaultRequest
            {
                TurnstileId = device.DeviceId,
                Kind = signal.Fault.Kind,
                Reason = signal.Fault.Reason,
                OccurredAt = signal.OccurredAt,
                FaultId = BatchIds.ForFault(device.DeviceId, signal.Sequence),
            },
        }));

    // Called by the journal's writer, in journal order, after the fsync that made these entries durable.
    private void OnDurable(IReadOnlyList<JournalEntry> entries)
    {
        foreach (var entry in entries)
        {
            if (Find(entry.DeviceId) is not { } device) continue;
            lock (device.Gate)
            {
                // Entries of one device are appended and made durable in order.
                if (device.Journaling.Count > 0 && device.Journaling.Peek().EntryId == entry.EntryId)
                {
                    device.Forwarding.Enqueue(device.Journaling.Dequeue());
                }
                if (device.Recompute()) device.Session?.RequestAck();
                Schedule(device);
            }
        }
    }

    // ------------------------------------------------------------------ forwarding

    private void Schedule(DeviceState device)
    {
        if (device.Scheduled || device.Forwarding.Count == 0) return;
        device.Scheduled = true;
        _ready.Writer.TryWrite(device);
    }

    /// <summary>The oldest durable entry of a scheduled device; null (and no longer scheduled) when it has none.</summary>
    public JournalEntry? Head(DeviceState device)
    {
        lock (device.Gate)
        {
            if (device.Forwarding.Count > 0) return device.Forwarding.Peek();
            device.Scheduled = false;
            return null;
        }
    }

    /// <summary>The head could not be forwarded now: the device goes to the back of the queue, its head kept.</summary>
    public void Requeue(DeviceState device) => _ready.Writer.TryWrite(device);

    /// <summary>Equipment recorded the head entry (its outcome is durable).</summary>
    public void Recorded(DeviceState device, JournalEntry entry, bool duplicate, TurnstileStatus statusAfterFault)
    {
        if (entry.RecordPassages is { } passages) _metrics.Forwarded(passages.Ingress + passages.Egress, duplicate);
        lock (device.Gate)
        {
            if (device.Forwarding.Count > 0 && device.Forwarding.Peek().EntryId == entry.EntryId) device.Forwarding.Dequeue();
            if (entry.ReportFault is { } fault && statusAfterFault != TurnstileStatus.Unspecified)
            {
                SetStatus(device, statusAfterFault, fault.Reason, fault.OccurredAt ?? Timestamp.FromDateTimeOffset(_time.GetUtcNow()));
            }
            AfterOutcome(device);
        }
    }

    /// <summary>Equipment refused the head entry for good (its outcome is durable): the device is told, and it is never retried.</summary>
    public void Rejected(DeviceState device, JournalEntry entry, RejectionReason reason, string message)
    {
        if (entry.RecordPassages is { } passages) _metrics.Rejected(passages.Ingress + passages.Egress, reason.ToString());
        lock (device.Gate)
        {
            if (device.Forwarding.Count > 0 && device.Forwarding.Peek().EntryId == entry.EntryId) device.Forwarding.Dequeue();
            Refuse(device, entry.FirstSequence, entry.LastSequence, entry.EntryId, reason, message);
            AfterOutcome(device);
        }
    }

    private void AfterOutcome(DeviceState device)
    {
        if (device.Recompute()) device.Session?.RequestAck();
        device.Scheduled = false;
        Schedule(device);
    }

    // A refusal holds forwarded_through back until the Rejection is written to the device (now, or when it connects).
    private static void Refuse(DeviceState device, ulong first, ulong last, ulong entryId, RejectionReason reason, string message)
    {
        var rejection = new UndeliveredRejection { EntryId = entryId, FirstSequence = first, LastSequence = last, Reason = reason, Message = message };
        device.Undelivered.Add(rejection);
        device.Session?.SendRejection(rejection);
    }

    /// <summary>A session wrote <paramref name="rejection"/> to its device.</summary>
    public void RejectionWritten(DeviceState device, UndeliveredRejection rejection)
    {
        lock (device.Gate)
        {
            device.Undelivered.Remove(rejection);
            if (device.Recompute()) device.Session?.RequestAck();
        }
        if (rejection.EntryId != 0) _journal.RejectionDelivered(rejection.EntryId);
    }

    // ------------------------------------------------------------------ status

    /// <summary>Equipment says the turnstile's status changed: the device is told when it is connected.</summary>
    public void StatusChanged(string turnstileId, string stationId, TurnstileStatus status, string reason, Timestamp? changedAt)
    {
        if (Find(turnstileId) is not { } device) return;
        lock (device.Gate)
        {
            if (stationId.Length > 0) device.StationId = stationId;
            SetStatus(device, status, reason, changedAt ?? Timestamp.FromDateTimeOffset(_time.GetUtcNow()));
        }
    }

    private static void SetStatus(DeviceState device, TurnstileStatus status, string reason, Timestamp changedAt)
    {
        if (device.Status == status) return;
        device.Status = status;
        device.Session?.Send(new GatewayMessage { StatusChange = new StatusChange { Status = status, Reason = reason, ChangedAt = changedAt } });
    }
}
