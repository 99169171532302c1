using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.Simulator;

/// <summary>What a device has sent and what the gateway told it, in passages.</summary>
public readonly record struct DeviceTally(long Ingress, long Egress, long Acked, long ForwardedIngress, long ForwardedEgress, long RejectedIngress, long RejectedEgress, int Faults)
{
    public long Passages => Ingress + Egress;

    public long Forwarded => ForwardedIngress + ForwardedEgress;

    public long Rejected => RejectedIngress + RejectedEgress;

    /// <summary>Entries counted: forwarded and not rejected (what ridership must show).</summary>
    public long CountedIngress => ForwardedIngress - RejectedIngress;

    /// <summary>Exits counted.</summary>
    public long CountedEgress => ForwardedEgress - RejectedEgress;

    public static DeviceTally operator +(DeviceTally a, DeviceTally b) => new(
        a.Ingress + b.Ingress, a.Egress + b.Egress, a.Acked + b.Acked, a.ForwardedIngress + b.ForwardedIngress, a.ForwardedEgress + b.ForwardedEgress,
        a.RejectedIngress + b.RejectedIngress, a.RejectedEgress + b.RejectedEgress, a.Faults + b.Faults);
}

/// <summary>
/// One simulated turnstile, following the delivery contract of <c>gateway.proto</c>: its sequence continues from what
/// the gateway already holds (Welcome.accepted_through on the first connection), it keeps every signal until it is
/// acknowledged as accepted and resends those after a reconnect, it stops admitting passengers after a fault until it
/// is told it is OPERATIONAL again, and it accounts for every passage: counted = forwarded minus rejected.
/// </summary>
internal sealed class SimulatedDevice : IAsyncDisposable
{
    private const byte Heartbeat = 0;
    private const byte Ingress = 1;
    private const byte Egress = 2;
    private const byte FaultSignal = 3;
    private const byte CaptureSignal = 4;
    private const byte RejectedFlag = 0x80;

    private readonly Lock _lock = new();
    private readonly GrpcChannel _channel;
    private readonly TimeSpan _linger;
    private readonly List<byte> _kinds = [];
    private readonly List<int> _ingressBefore = [0];
    private readonly List<int> _egressBefore = [0];
    private readonly List<DeviceSignal> _retained = [];
    private readonly Queue<DeviceSignal> _outbox = new();
    private readonly SemaphoreSlim _wake = new(0);
    // 1 while a wake is pending: a busy device wakes its writer once per message, not once per passage.
    private int _wakePending;
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeSpan _heartbeat = TimeSpan.FromSeconds(10);
    private bool _based;
    private ulong _base;
    private ulong _next;
    private ulong _accepted;
    private ulong _forwarded;
    private ulong _lastToSettle;
    private long _rejectedIngress;
    private long _rejectedEgress;
    private int _faults;
    private ulong _faultSequence;
    private DateTime _lastSent = DateTime.UtcNow;

    public SimulatedDevice(TurnstileSpec spec, X509Certificate2 certificate, X509Certificate2 ca, TimeSpan linger)
    {
        Spec = spec;
        _linger = linger;
        _channel = DeviceChannels.Create(spec.Gateway, certificate, ca);
    }

    public TurnstileSpec Spec { get; }

    public bool Operational { get; private set; } = true;

    public bool Connected { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>Completes on the first Welcome.</summary>
    public Task Welcomed => _welcomed.Task;

    /// <summary>True once every passage and fault sent has an outcome (forwarded_through covers it).</summary>
    public bool Settled
    {
        get
        {
            lock (_lock) return _forwarded >= _lastToSettle;
        }
    }

    public DeviceTally Tally()
    {
        lock (_lock)
        {
            var sent = _kinds.Count;
            var acked = Index(_accepted);
            var forwarded = Index(_forwarded);
            return new DeviceTally(_ingressBefore[sent], _egressBefore[sent], _ingressBefore[acked] + _egressBefore[acked],
                _ingressBefore[forwarded], _egressBefore[forwarded], _rejectedIngress, _rejectedEgress, _faults);
        }
    }

    /// <summary>Lets a passenger through; false when the turnstile is out of service (or has not been welcomed yet).</summary>
    public bool Pass(PassageDirection direction)
    {
        lock (_lock)
        {
            if (!_based || !Operational) return false;
            var signal = Next(direction == PassageDirection.Ingress ? Ingress : Egress);
            signal.OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow);
            signal.Passage = new Passage { Direction = direction };
            _lastToSettle = signal.Sequence;
            Queue(signal);
        }
        Wake();
        return true;
    }

    /// <summary>Reports a fault; the turnstile admits nobody until it is told it is OPERATIONAL again.</summary>
    public void Fault(FaultKind kind, string reason)
    {
        lock (_lock)
        {
            if (!_based || !Operational) return;
            var signal = Next(FaultSignal);
            signal.OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow);
            signal.Fault = new Fault { Kind = kind, Reason = reason };
            _lastToSettle = signal.Sequence;
            _faults++;
            _faultSequence = signal.Sequence;
            Operational = false;
            Queue(signal);
        }
        Wake();
    }

    /// <summary>
    /// Sends a face capture of the turnstile's camera (never counted as a passage; the gateway hands it to identification
    /// and keeps nothing). False when the turnstile is out of service (nobody passes) or has not been welcomed yet.
    /// </summary>
    public bool Capture(PassageDirection direction, float[] template, byte[] image)
    {
        lock (_lock)
        {
            if (!_based || !Operational) return false;
            var signal = Next(CaptureSignal);
            signal.OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow);
            signal.FaceCapture = new FaceCapture { CameraId = Spec.CameraId, Direction = direction, Image = Google.Protobuf.ByteString.CopyFrom(image) };
            signal.FaceCapture.Template.Add(template);
            _lastToSettle = signal.Sequence;
            Queue(signal);
        }
        Wake();
        return true;
    }

    /// <summary>Keeps a session open (reconnecting after failures) until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(stop);
                backoff = TimeSpan.FromMilliseconds(250);
            }
            catch (Exception e) when (e is RpcException or IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                if (stop.IsCancellationRequested) break;
                LastError = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
            }
            finally
            {
                Connected = false;
            }
            try
            {
                await Task.Delay(backoff, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    private async Task SessionAsync(CancellationToken stop)
    {
        // The call is cancelled only when the session fails; at the end of the run the device closes its stream.
        using var session = new CancellationTokenSource();
        using var wakeOnStop = stop.Register(() => _wake.Release());
        using var call = new DeviceGateway.DeviceGatewayClient(_channel).Connect(cancellationToken: session.Token);
        await call.RequestStream.WriteAsync(new DeviceMessage { DeviceId = Spec.DeviceId }, stop);
        if (!await call.ResponseStream.MoveNext(stop) || call.ResponseStream.Current.Welcome is not { } welcome)
            throw new InvalidOperationException("the gateway did not answer with Welcome");
        OnWelcome(welcome);
        Connected = true;
        LastError = null;
        var reader = ReadAsync(call.ResponseStream, session.Token);
        var writer = WriteAsync(call.RequestStream, stop, session.Token);
        var ended = await Task.WhenAny(reader, writer);
        if (ended == writer && writer.IsCompletedSuccessfully && stop.IsCancellationRequested)
        {
            // Closed by this side: let the gateway finish the stream.
            await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        }
        await session.CancelAsync();
        try
        {
            await Task.WhenAll(reader, writer);
        }
        catch (Exception) when (stop.IsCancellationRequested || ended.IsFaulted || ended == writer)
        {
            // Reported below (or the run is over).
        }
        if (stop.IsCancellationRequested) return;
        if (ended.Exception?.InnerException is { } error) throw error;
        throw new IOException("the gateway ended the session");
    }

    private void OnWelcome(Welcome welcome)
    {
        lock (_lock)
        {
            if (welcome.HeartbeatInterval is { } interval && interval.ToTimeSpan() > TimeSpan.Zero) _heartbeat = interval.ToTimeSpan();
            if (!_based)
            {
                // A device's sequence lives as long as the device: continue where the gateway's knowledge ends.
                _based = true;
                _base = welcome.AcceptedThrough;
                _next = _base + 1;
                _accepted = _forwarded = _lastToSettle = _base;
            }
            else if (welcome.AcceptedThrough >= _next)
            {
                LastError = $"the gateway holds sequence {welcome.AcceptedThrough} but this device is at {_next - 1}: another device uses this id";
            }
            // Its own fault wins until equipment has it: only then does the Welcome's status reflect it.
            Operational = welcome.Status is TurnstileStatus.Operational or TurnstileStatus.Unspecified && (_faultSequence == 0 || _forwarded >= _faultSequence);
            _outbox.Clear();
            foreach (var signal in _retained.Where(s => s.Sequence > welcome.AcceptedThrough)) _outbox.Enqueue(signal);
        }
        _welcomed.TrySetResult();
        Wake();
    }

    private async Task ReadAsync(IAsyncStreamReader<GatewayMessage> stream, CancellationToken token)
    {
        await foreach (var message in stream.ReadAllAsync(token))
        {
            lock (_lock)
            {
                switch (message.MessageCase)
                {
                    case GatewayMessage.MessageOneofCase.Ack:
                        _accepted = Math.Max(_accepted, message.Ack.AcceptedThrough);
                        _forwarded = Math.Max(_forwarded, message.Ack.ForwardedThrough);
                        var keep = _retained.FindIndex(s => s.Sequence > _accepted);
                        _retained.RemoveRange(0, keep < 0 ? _retained.Count : keep);
                        break;
                    case GatewayMessage.MessageOneofCase.Rejection:
                        MarkRejected(message.Rejection.FirstSequence, message.Rejection.LastSequence);
                        break;
                    case GatewayMessage.MessageOneofCase.StatusChange:
                        Operational = message.StatusChange.Status == TurnstileStatus.Operational;
                        if (Operational) _faultSequence = 0;
                        break;
                }
            }
        }
    }

    private async Task WriteAsync(IClientStreamWriter<DeviceMessage> stream, CancellationToken stop, CancellationToken session)
    {
        while (!session.IsCancellationRequested)
        {
            var woken = await _wake.WaitAsync(_heartbeat / 2, session);
            if (stop.IsCancellationRequested)
            {
                await stream.CompleteAsync();
                return;
            }
            if (woken && _linger > TimeSpan.Zero) await Task.Delay(_linger, session);
            // What is queued from here on wakes the writer again (whatever this message leaves behind included).
            Volatile.Write(ref _wakePending, 0);
            DeviceMessage? message = null;
            lock (_lock)
            {
                if (_outbox.Count == 0 && _based && DateTime.UtcNow - _lastSent >= _heartbeat / 2)
                {
                    var heartbeat = Next(Heartbeat);
                    heartbeat.Heartbeat = new Heartbeat();
                    Queue(heartbeat);
                }
                if (_outbox.Count > 0)
                {
                    message = new DeviceMessage { DeviceId = Spec.DeviceId };
                    while (_outbox.Count > 0 && message.Signals.Count < 2000) message.Signals.Add(_outbox.Dequeue());
                    if (_outbox.Count > 0) Wake();
                }
            }
            if (message is null) continue;
            await stream.WriteAsync(message, session);
            _lastSent = DateTime.UtcNow;
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0) _wake.Release();
    }

    private DeviceSignal Next(byte kind)
    {
        var signal = new DeviceSignal { Sequence = _next++ };
        _kinds.Add(kind);
        _ingressBefore.Add(_ingressBefore[^1] + (kind == Ingress ? 1 : 0));
        _egressBefore.Add(_egressBefore[^1] + (kind == Egress ? 1 : 0));
        return signal;
    }

    private void Queue(DeviceSignal signal)
    {
        _retained.Add(signal);
        _outbox.Enqueue(signal);
    }

    private void MarkRejected(ulong first, ulong last)
    {
        for (var sequence = Math.Max(first, _base + 1); sequence <= last && sequence < _next; sequence++)
        {
            var index = (int)(sequence - _base - 1);
            var kind = _kinds[index];
            if ((kind & RejectedFlag) != 0) continue;
            _kinds[index] = (byte)(kind | RejectedFlag);
            if (kind == Ingress) _rejectedIngress++;
            else if (kind == Egress) _rejectedEgress++;
        }
    }

    // Number of this run's signals at or below a watermark.
    private int Index(ulong watermark) => watermark <= _base ? 0 : (int)Math.Min(watermark - _base, (ulong)_kinds.Count);

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        _wake.Dispose();
        await Task.CompletedTask;
    }
}
