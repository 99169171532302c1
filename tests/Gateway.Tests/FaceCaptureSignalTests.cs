using System.Collections.Concurrent;
using Dapr.Client;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Domain;
using Mtaeda.Gateway.Forwarding;
using Mtaeda.Gateway.Journal;
using Mtaeda.Gateway.Telemetry;
using Mtaeda.Testing;

namespace Mtaeda.Gateway.Tests;

/// <summary>
/// Face captures on the device stream: checked for shape, handed to the capture sink once and never journaled, and
/// passed by both watermarks at once (a capture is at most once by design: nothing of it is kept to send again).
/// </summary>
public sealed class FaceCaptureSignalTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(T0);
    private readonly DaprClient _dapr = new DaprClientBuilder().Build();
    private readonly DeviceOutcomes _outcomes = new();
    private readonly RecordingSink _sink = new();
    private readonly PassageJournal _journal;
    private readonly DeviceRegistry _registry;

    public FaceCaptureSignalTests()
    {
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
