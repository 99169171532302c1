using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Domain;
using Mtaeda.Gateway.Forwarding;
using Mtaeda.Gateway.Journal;
using Mtaeda.Gateway.Telemetry;

namespace Mtaeda.Gateway.Devices;

/// <summary>
/// The one owner of device state. Signals flow one way: a session hands a device's messages in (<see cref="Receive"/>;
/// replays ignored, invalid signals refused), passages are batched, batches and faults are appended to the journal in
/// device order, and entries the journal made durable are offered to the forwarder one device at a time, in order
/// (<see cref="Ready"/>). Everything that happens downstream comes back through one channel, <see cref="DeviceOutcomes"/>
/// (durable, recorded, refused, retry later, held, rejection written, status changed), read here by one loop, which moves the
/// watermarks and tells the device. The same service cuts open batches once they have waited long enough, and all of
/// them at shutdown.
/// </summary>
internal sealed class DeviceRegistry : BackgroundService
{
    private readonly ConcurrentDictionary<string, DeviceState> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<DeviceState, byte> _openBatches = new();
    private readonly ConcurrentDictionary<DeviceState, byte> _held = new();
    private readonly Channel<ForwardWork> _ready = Channel.CreateUnbounded<ForwardWork>();
    private readonly PassageJournal _journal;
    private readonly DeviceOutcomes _outcomes;
    private readonly GatewayOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly LivenessTracker _liveness;
    private readonly LivenessEvents _events;
    private readonly TimeProvider _time;
    private readonly ICaptureSink? _captures;

    public DeviceRegistry(PassageJournal journal, DeviceOutcomes outcomes, GatewayOptions options, GatewayMetrics metrics, LivenessTracker liveness,
        LivenessEvents events, TimeProvider time, ICaptureSink? captures = null)
    {
        _captures = captures;
        _journal = journal;
        _outcomes = outcomes;
        _options = options;
        _metrics = metrics;
        _liveness = liveness;
        _events = events;
        _time = time;
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
    }

    /// <summary>Durable entries to forward, at most one per device at a time (read by the forwarder).</summary>
    public ChannelReader<ForwardWork> Ready => _ready.Reader;

    public DeviceState Get(string deviceId) => _devices.GetOrAdd(deviceId, id => new DeviceState(id, _options.Batching));

    private DeviceState? Find(string deviceId) => _devices.GetValueOrDefault(deviceId);

    /// <summary>The station and status the gateway last knew for <paramref name="device"/> (empty and unspecified when none).</summary>
    public (string StationId, TurnstileStatus Status) Known(DeviceState device)
    {
        lock (device.Gate) return (device.StationId, device.Status);
    }

    // ------------------------------------------------------------------ sessions

    /// <summary>Makes <paramref name="session"/> the device's session (ending an older one) and queues its Welcome and the rejections it has not seen.</summary>
    /// <param name="session">The device's new session.</param>
    /// <param name="stationId">Its station, as equipment (or the certificate) says.</param>
    /// <param name="status">Its status as equipment answered it, or unspecified.</param>
    /// <param name="statusChangedAt">When that status took effect, when equipment said: a status event older than it, delivered later, changes nothing.</param>
    public void Attach(DeviceSession session, string stationId, TurnstileStatus status, DateTimeOffset? statusChangedAt = null)
    {
        var device = session.Device;
        DeviceSession? older;
        lock (device.Gate)
        {
            older = device.Session;
            device.Session = session;
            if (stationId.Length > 0) device.StationId = stationId;
            if (status != TurnstileStatus.Unspecified && statusChangedAt is { } at)
            {
                if (device.StatusChangedAt is not { } applied || at >= applied)
                {
                    device.Status = status;
                    device.StatusChangedAt = at;
                }
            }
            else if (status != TurnstileStatus.Unspecified || device.Status == TurnstileStatus.Unspecified)
            {
                device.Status = status;
            }
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
                    case DeviceSignal.SignalOneofCase.FaceCapture:
                        // Never journaled: handed to identification once (or dropped); the watermarks pass it at once.
                        if (_captures is null) _metrics.Capture("dropped");
                        else _captures.TryForward(device.DeviceId, signal);
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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ApplyOutcomesAsync(stoppingToken), FlushDueAsync(stoppingToken));

    /// <summary>Cuts every open batch and waits until the journal holds them (shutdown).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        FlushAll();
        await _journal.FlushAsync().WaitAsync(cancellationToken);
    }

    // Cuts the open batches that have waited Gateway:BatchMaxDelay, checking a few times per delay, and offers again the
    // held entries whose wait is over.
    private async Task FlushDueAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(_options.BatchMaxDelay.Ticks / 4, TimeSpan.FromMilliseconds(5).Ticks, TimeSpan.FromMilliseconds(50).Ticks));
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                FlushDue();
                OfferHeldDue();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void FlushDue()
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

    private void FlushAll()
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
        Journal(device, batch.FirstSequence, batch.LastSequence, now, new JournalEntry { RecordPassages = batch.ToRequest() });

    private void JournalFault(DeviceState device, DeviceSignal signal, DateTimeOffset now) =>
        Journal(device, signal.Sequence, signal.Sequence, now, new JournalEntry
        {
            ReportFault = new ReportFaultRequest
            {
                TurnstileId = device.DeviceId,
                Kind = signal.Fault.Kind,
                Reason = signal.Fault.Reason,
                OccurredAt = signal.OccurredAt,
                FaultId = BatchIds.ForFault(device.DeviceId, signal.Sequence),
            },
        });

    // Appends the command of the device's sequences first..last to the journal, after the device's earlier entries.
    private void Journal(DeviceState device, ulong first, ulong last, DateTimeOffset now, JournalEntry entry)
    {
        entry.DeviceId = device.DeviceId;
        entry.FirstSequence = first;
        entry.LastSequence = last;
        entry.JournaledAt = Timestamp.FromDateTimeOffset(now);
        device.Journaling.Enqueue(_journal.Append(entry));
    }

    // ------------------------------------------------------------------ outcomes

    // The one reader of the outcome channel: everything that happened downstream, applied in the order reported.
    private async Task ApplyOutcomesAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var outcome in _outcomes.Reader.ReadAllAsync(stoppingToken)) Apply(outcome);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Apply(in DeviceOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case DeviceOutcomeKind.Durable:
                foreach (var entry in outcome.Entries!) OnDurable(entry);
                break;
            case DeviceOutcomeKind.Recorded:
                OnRecorded(outcome.Device!, outcome.Entry!, outcome.Duplicate, outcome.Status);
                break;
            case DeviceOutcomeKind.Rejected:
                OnRejected(outcome.Device!, outcome.Entry!, outcome.Reason, outcome.Message);
                break;
            case DeviceOutcomeKind.RetryLater:
                // The head stays; the device goes to the back of the queue (still scheduled: order is kept).
                _ready.Writer.TryWrite(new ForwardWork(outcome.Device!, outcome.Entry!));
                break;
            case DeviceOutcomeKind.Held:
                OnHeld(outcome.Device!);
                break;
            case DeviceOutcomeKind.RejectionWritten:
                OnRejectionWritten(outcome.Device!, outcome.Rejection!);
                break;
            case DeviceOutcomeKind.StatusChanged:
                OnStatusChanged(outcome.DeviceId, outcome.StationId, outcome.Status, outcome.Message, outcome.At);
                break;
        }
    }

    // Entries of one device are appended, and made durable, in order.
    private void OnDurable(JournalEntry entry)
    {
        if (Find(entry.DeviceId) is not { } device) return;
        lock (device.Gate)
        {
            if (device.Journaling.Count > 0 && device.Journaling.Peek().EntryId == entry.EntryId)
            {
                device.Forwarding.Enqueue(device.Journaling.Dequeue());
            }
            if (device.Recompute()) device.Session?.RequestAck();
            Schedule(device);
        }
    }

    // Offers the device's head entry to the forwarder, unless one is already offered or in flight.
    private void Schedule(DeviceState device)
    {
        if (device.Scheduled || device.Forwarding.Count == 0) return;
        device.Scheduled = true;
        _ready.Writer.TryWrite(new ForwardWork(device, device.Forwarding.Peek()));
    }

    // Equipment holds the head entry back (its station is offline): the device stays scheduled, so none of its later
    // entries overtakes it, and the same entry is offered again once Gateway:StationOfflineRetryInterval has passed.
    private void OnHeld(DeviceState device)
    {
        lock (device.Gate) device.HeldUntil = _time.GetUtcNow() + _options.StationOfflineRetryInterval;
        _held.TryAdd(device, 0);
    }

    private void OfferHeldDue()
    {
        var now = _time.GetUtcNow();
        foreach (var device in _held.Keys)
        {
            lock (device.Gate)
            {
                if (device.HeldUntil > now) continue;
                device.HeldUntil = null;
                _held.TryRemove(device, out _);
                if (device.Forwarding.Count > 0) _ready.Writer.TryWrite(new ForwardWork(device, device.Forwarding.Peek()));
                else device.Scheduled = false;
            }
        }
    }

    private void OnRecorded(DeviceState device, JournalEntry entry, bool duplicate, TurnstileStatus statusAfterFault)
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

    // Refused for good: the device is told, and the entry is never retried.
    private void OnRejected(DeviceState device, JournalEntry entry, RejectionReason reason, string message)
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

    private void OnRejectionWritten(DeviceState device, UndeliveredRejection rejection)
    {
        lock (device.Gate)
        {
            device.Undelivered.Remove(rejection);
            if (device.Recompute()) device.Session?.RequestAck();
        }
        if (rejection.EntryId != 0) _journal.RejectionDelivered(rejection.EntryId);
    }

    // ------------------------------------------------------------------ status

    // Equipment says the turnstile's status changed: the device is told when it is connected.
    private void OnStatusChanged(string turnstileId, string stationId, TurnstileStatus status, string reason, Timestamp? changedAt)
    {
        if (Find(turnstileId) is not { } device) return;
        lock (device.Gate)
        {
            if (stationId.Length > 0) device.StationId = stationId;
            SetStatus(device, status, reason, changedAt ?? Timestamp.FromDateTimeOffset(_time.GetUtcNow()));
        }
    }

    // Equipment's events reach the gateway in no particular order (several delivery workers, redeliveries): a change
    // older than the one applied last is ignored, so that a late "locked" cannot undo a later "restored".
    private static void SetStatus(DeviceState device, TurnstileStatus status, string reason, Timestamp changedAt)
    {
        var at = changedAt.ToDateTimeOffset();
        if (device.StatusChangedAt is { } applied && at < applied) return;
        device.StatusChangedAt = at;
        if (device.Status == status) return;
        device.Status = status;
        device.Session?.Send(new GatewayMessage { StatusChange = new StatusChange { Status = status, Reason = reason, ChangedAt = changedAt } });
    }
}

/// <summary>The oldest durable entry of a device, for the forwarder; its outcome goes back through <see cref="DeviceOutcomes"/>.</summary>
/// <param name="Device">The device (passed back with the outcome).</param>
/// <param name="Entry">The entry to send.</param>
internal readonly record struct ForwardWork(DeviceState Device, JournalEntry Entry);
