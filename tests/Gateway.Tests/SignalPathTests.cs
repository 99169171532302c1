using System.Collections.Concurrent;
using Dapr.Client;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Domain;
using Mtaeda.Gateway.Forwarding;
using Mtaeda.Gateway.Journal;
using Mtaeda.Gateway.Telemetry;
using Mtaeda.Testing;

namespace Mtaeda.Gateway.Tests;

/// <summary>
/// The signal path without the network: signals go from a session into the registry, to the journal and on to the
/// forwarder's queue; every outcome comes back through <see cref="DeviceOutcomes"/> alone, and only the registry changes
/// device state. Face captures are handed to the capture sink once, never journaled, and passed by both watermarks at
/// once (at most once by design: nothing of a capture is kept to send again).
/// </summary>
public sealed class SignalPathTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(T0);
    private readonly DaprClient _dapr = new DaprClientBuilder().Build();
    private readonly DeviceOutcomes _outcomes = new();
    private readonly RecordingSink _sink = new();
    private readonly PassageJournal _journal;
    private readonly DeviceRegistry _registry;

    public SignalPathTests()
    {
        // One passage per batch: each passage is journaled at once.
        var options = new GatewayOptions { BatchMaxPassages = 1 };
        _journal = PassageJournal.Open(new JournalOptions { Directory = _dir.Path, Fsync = false }, _outcomes, time: _time);
        _registry = new DeviceRegistry(_journal, _outcomes, options, new GatewayMetrics(_journal), new LivenessTracker(options.EffectiveOfflineAfter),
            new LivenessEvents(_dapr, _time, NullLogger<LivenessEvents>.Instance), _time, _sink);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        await _registry.StopAsync(CancellationToken.None);
        _registry.Dispose();
        await _journal.DisposeAsync();
        _dapr.Dispose();
        _dir.Dispose();
    }

    private static DeviceMessage Passages(string deviceId, params ulong[] sequences)
    {
        var message = new DeviceMessage { DeviceId = deviceId };
        foreach (var sequence in sequences)
        {
            message.Signals.Add(new DeviceSignal
            {
                Sequence = sequence,
                OccurredAt = Timestamp.FromDateTimeOffset(T0),
                Passage = new Passage { Direction = PassageDirection.Ingress },
            });
        }
        return message;
    }

    private async Task<ForwardWork> NextWorkAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        return await _registry.Ready.ReadAsync(timeout.Token);
    }

    // Starts the registry and connects device ts-1 of station stn-001, OPERATIONAL as equipment answered at connect.
    private async Task<DeviceSession> ConnectedAsync(DateTimeOffset? statusChangedAt = null)
    {
        await _registry.StartAsync(Ct);
        var session = new DeviceSession(_registry.Get("ts-1"), Ct);
        _registry.Attach(session, "stn-001", TurnstileStatus.Operational, statusChangedAt);
        return session;
    }

    // Runs the session's writer until it wrote `count` status changes, then ends the session: the statuses written, in order.
    private async Task<TurnstileStatus[]> WrittenStatusesAsync(DeviceSession session, int count)
    {
        var stream = new RecordingStream();
        var writer = session.RunWriterAsync(stream, _outcomes);
        await Eventually.UntilAsync(() => stream.Written.Count(m => m.StatusChange is not null) >= count, "the status changes to be written", cancellationToken: Ct);
        session.Complete();
        await writer;
        return [.. stream.Written.Where(m => m.StatusChange is not null).Select(m => m.StatusChange.Status)];
    }

    [Fact]
    public async Task A_device_has_one_entry_offered_at_a_time_in_order_and_a_retry_offers_the_same_entry_again()
    {
        await _registry.StartAsync(Ct);
        var device = _registry.Get("ts-1");

        _registry.Receive(device, Passages("ts-1", 1, 2));
        await Eventually.UntilAsync(() => device.AcceptedThrough == 2, "both passages to be durable", cancellationToken: Ct);

        var first = await NextWorkAsync();
        Assert.Equal((1ul, 1ul), (first.Entry.FirstSequence, first.Entry.LastSequence));
        Assert.False(_registry.Ready.TryRead(out _), "a device's second entry is not offered while its first is in flight");

        _outcomes.RetryLater(device, first.Entry);
        var again = await NextWorkAsync();
        Assert.Equal(first.Entry.EntryId, again.Entry.EntryId);
        Assert.Equal(0ul, device.ForwardedThrough);

        _outcomes.Recorded(device, again.Entry, duplicate: false, TurnstileStatus.Unspecified);
        var second = await NextWorkAsync();
        Assert.Equal(2ul, second.Entry.FirstSequence);
        await Eventually.UntilAsync(() => device.ForwardedThrough == 1, "the first passage to count as forwarded", cancellationToken: Ct);

        _outcomes.Recorded(device, second.Entry, duplicate: true, TurnstileStatus.Unspecified);
        await Eventually.UntilAsync(() => device.ForwardedThrough == 2, "both passages to count as forwarded", cancellationToken: Ct);
        Assert.False(_registry.Ready.TryRead(out _));
    }

    [Fact]
    public async Task A_refusal_holds_the_forwarded_watermark_until_the_session_wrote_it_and_status_changes_reach_the_device()
    {
        using var session = await ConnectedAsync();
        var device = session.Device;
        var stream = new RecordingStream();

        _registry.Receive(device, Passages("ts-1", 1));
        var work = await NextWorkAsync();
        _outcomes.Rejected(device, work.Entry, RejectionReason.OutOfService, "turnstile ts-1 is out of service");
        // Nothing written to the device yet: the refused passage does not count as forwarded.
        await Eventually.UntilAsync(() => device.Undelivered.Count == 1, "the rejection to wait for the device", cancellationToken: Ct);
        Assert.Equal(0ul, device.ForwardedThrough);

        _outcomes.StatusChanged("ts-1", "stn-001", TurnstileStatus.Locked, "locked by an operator", Timestamp.FromDateTimeOffset(T0));
        var writer = session.RunWriterAsync(stream, _outcomes);
        await Eventually.UntilAsync(() => device.ForwardedThrough == 1, "the written rejection to let the watermark pass", cancellationToken: Ct);
        await Eventually.UntilAsync(() => stream.Written.Any(m => m.StatusChange is not null), "the status change to be written", cancellationToken: Ct);

        session.Complete();
        await writer;
        var messages = stream.Written;
        Assert.Equal(GatewayMessage.MessageOneofCase.Welcome, messages[0].MessageCase);
        var rejection = Assert.Single(messages, m => m.Rejection is not null).Rejection;
        Assert.Equal((1ul, 1ul, RejectionReason.OutOfService), (rejection.FirstSequence, rejection.LastSequence, rejection.Reason));
        Assert.Equal(TurnstileStatus.Locked, Assert.Single(messages, m => m.StatusChange is not null).StatusChange.Status);
        Assert.Empty(device.Undelivered);
    }

    [Fact]
    public async Task A_status_change_older_than_the_one_applied_is_ignored()
    {
        using var session = await ConnectedAsync();

        // Locked at 8:02 is delivered before the restore of 8:01 it came after.
        _outcomes.StatusChanged("ts-1", "stn-001", TurnstileStatus.Locked, "jammed", Timestamp.FromDateTimeOffset(T0.AddMinutes(2)));
        _outcomes.StatusChanged("ts-1", "stn-001", TurnstileStatus.Operational, "cleared", Timestamp.FromDateTimeOffset(T0.AddMinutes(1)));
        // A later change is applied again.
        _outcomes.StatusChanged("ts-1", "stn-001", TurnstileStatus.Faulted, "motor", Timestamp.FromDateTimeOffset(T0.AddMinutes(3)));

        Assert.Equal([TurnstileStatus.Locked, TurnstileStatus.Faulted], await WrittenStatusesAsync(session, 2));
        Assert.Equal(TurnstileStatus.Faulted, _registry.Known(session.Device).Status);
    }

    [Fact]
    public async Task A_status_change_older_than_equipments_answer_at_connect_is_ignored()
    {
        // Equipment answered at connect: restored at 8:02.
        using var session = await ConnectedAsync(statusChangedAt: T0.AddMinutes(2));

        // The lock of 8:01, delivered late, changes nothing; a fault of 8:03 does.
        _outcomes.StatusChanged("ts-1", "stn-001", TurnstileStatus.Locked, "jammed", Timestamp.FromDateTimeOffset(T0.AddMinutes(1)));
        _outcomes.StatusChanged("ts-1", "stn-001", TurnstileStatus.Faulted, "motor", Timestamp.FromDateTimeOffset(T0.AddMinutes(3)));

        Assert.Equal([TurnstileStatus.Faulted], await WrittenStatusesAsync(session, 1));
    }

    [Fact]
    public async Task An_entry_held_back_because_the_station_is_offline_is_offered_again_after_the_interval_and_never_rejected()
    {
        await _registry.StartAsync(Ct);
        var device = _registry.Get("ts-1");
        _registry.Receive(device, Passages("ts-1", 1, 2));
        var first = await NextWorkAsync();

        _outcomes.Held(device, first.Entry, "station stn-001 is offline");
        await Eventually.UntilAsync(() => device.HeldUntil is not null, "the entry to be held", cancellationToken: Ct);
        Assert.False(_registry.Ready.TryRead(out _), "nothing of the device is offered while its head is held");
        _time.Advance(new GatewayOptions().StationOfflineRetryInterval);
        var again = await NextWorkAsync();

        Assert.Equal(first.Entry.EntryId, again.Entry.EntryId);
        Assert.Empty(device.Undelivered);
        Assert.Equal(0ul, device.ForwardedThrough);
        _outcomes.Recorded(device, again.Entry, duplicate: false, TurnstileStatus.Unspecified);
        Assert.Equal(2ul, (await NextWorkAsync()).Entry.FirstSequence);
    }

    private sealed class RecordingStream : IServerStreamWriter<GatewayMessage>
    {
        private readonly Lock _lock = new();
        private readonly List<GatewayMessage> _written = [];

        public WriteOptions? WriteOptions { get; set; }

        public IReadOnlyList<GatewayMessage> Written
        {
            get
            {
                lock (_lock) return [.. _written];
            }
        }

        public Task WriteAsync(GatewayMessage message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(GatewayMessage message, CancellationToken cancellationToken)
        {
            lock (_lock) _written.Add(message);
            return Task.CompletedTask;
        }
    }

    private static DeviceSignal Capture(ulong sequence, string camera = "cam-1", float marker = 0.6f)
    {
        var signal = new DeviceSignal
        {
            Sequence = sequence,
            OccurredAt = Timestamp.FromDateTimeOffset(T0),
            FaceCapture = new FaceCapture { CameraId = camera, Direction = PassageDirection.Egress, Image = ByteString.CopyFromUtf8("jpeg") },
        };
        signal.FaceCapture.Template.AddRange([marker, 0.8f]);
        return signal;
    }

    [Fact]
    public async Task A_capture_is_handed_over_once_never_journaled_and_passed_by_both_watermarks()
    {
        await _registry.StartAsync(Ct);
        var device = _registry.Get("ts-1");
        var message = new DeviceMessage { DeviceId = "ts-1", Signals = { Capture(1), Capture(2, marker: 0.28f) } };
        message.Signals.Add(new DeviceSignal { Sequence = 3, OccurredAt = Timestamp.FromDateTimeOffset(T0), Passage = new Passage { Direction = PassageDirection.Ingress } });
        _registry.Receive(device, message);
        // A replay of the same capture is not handed over again.
        _registry.Receive(device, new DeviceMessage { DeviceId = "ts-1", Signals = { Capture(1) } });

        await Eventually.UntilAsync(() => device.AcceptedThrough == 3, "the passage to be durable", cancellationToken: Ct);
        Assert.Equal(["ts-1.c1", "ts-1.c2"], _sink.Requests.Select(r => r.CaptureId));
        var first = _sink.Requests.First();
        Assert.Equal(("cam-1", "ts-1", PassageDirection.Egress, "jpeg"), (first.CameraId, first.TurnstileId, first.Direction, first.Image.ToStringUtf8()));
        Assert.Equal([0.6f, 0.8f], first.Template.Values);

        // The journal holds the passage alone.
        var work = await _registry.Ready.ReadAsync(Ct);
        Assert.Equal((3ul, 3ul), (work.Entry.FirstSequence, work.Entry.LastSequence));
        var bytes = Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories).SelectMany(File.ReadAllBytes).ToArray();
        Assert.True(bytes.Length > 0);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(BitConverter.GetBytes(0.28f)));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("cam-1"u8));
        _outcomes.Recorded(device, work.Entry, duplicate: false, Mtaeda.Contracts.Equipment.V1.TurnstileStatus.Unspecified);
        await Eventually.UntilAsync(() => device.ForwardedThrough == 3, "every signal to be past", cancellationToken: Ct);
    }

    [Fact]
    public void A_capture_without_time_camera_direction_or_template_is_refused_naming_the_field()
    {
        Assert.Null(SignalRules.Validate(Capture(1)));
        var noTime = Capture(1);
        noTime.OccurredAt = null;
        Assert.StartsWith("occurred_at:", SignalRules.Validate(noTime), StringComparison.Ordinal);
        Assert.StartsWith("face_capture.camera_id:", SignalRules.Validate(Capture(1, camera: "")), StringComparison.Ordinal);
        var noDirection = Capture(1);
        noDirection.FaceCapture.Direction = PassageDirection.Unspecified;
        Assert.StartsWith("face_capture.direction:", SignalRules.Validate(noDirection), StringComparison.Ordinal);
        var noTemplate = Capture(1);
        noTemplate.FaceCapture.Template.Clear();
        Assert.StartsWith("face_capture.template:", SignalRules.Validate(noTemplate), StringComparison.Ordinal);
        var bigImage = Capture(1);
        bigImage.FaceCapture.Image = ByteString.CopyFrom(new byte[SignalRules.MaxImageBytes + 1]);
        Assert.StartsWith("face_capture.image:", SignalRules.Validate(bigImage), StringComparison.Ordinal);
    }

    private sealed class RecordingSink : ICaptureSink
    {
        public ConcurrentQueue<Mtaeda.Contracts.Identification.V1.SubmitCaptureRequest> Requests { get; } = new();

        public bool TryForward(string deviceId, DeviceSignal signal)
        {
            Requests.Enqueue(CaptureForwarder.Request(deviceId, signal));
            return true;
        }
    }
}
