using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.Testing;

/// <summary>
/// A turnstile driven by a test: one Connect stream to a gateway's device port (mutual TLS), its own sequence counter
/// (continuing from Welcome), and what the gateway told it (watermarks, rejections, status changes).
/// </summary>
public sealed class TestDevice : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<DeviceMessage, GatewayMessage> _call;
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reader = Task.CompletedTask;

    private readonly CancellationToken _cancellationToken;

    private TestDevice(string deviceId, GrpcChannel channel, AsyncDuplexStreamingCall<DeviceMessage, GatewayMessage> call, CancellationToken cancellationToken)
    {
        DeviceId = deviceId;
        _channel = channel;
        _call = call;
        _cancellationToken = cancellationToken;
    }

    public string DeviceId { get; }

    public Welcome Welcome { get; private set; } = new();

    public ulong NextSequence { get; private set; }

    public ulong Accepted { get; private set; }

    public ulong Forwarded { get; private set; }

    public List<Rejection> Rejections { get; } = [];

    public List<StatusChange> StatusChanges { get; } = [];

    public Exception? Error { get; private set; }

    /// <summary>Connects as <paramref name="deviceId"/> with <paramref name="certificate"/> (none: no client certificate) and waits for Welcome.</summary>
    public static async Task<TestDevice> ConnectAsync(Uri gateway, string deviceId, X509Certificate2? certificate, X509Certificate2 ca, CancellationToken cancellationToken = default)
    {
        var channel = DeviceChannels.Create(gateway, certificate, ca);
        var call = new DeviceGateway.DeviceGatewayClient(channel).Connect(cancellationToken: cancellationToken);
        var device = new TestDevice(deviceId, channel, call, cancellationToken);
        try
        {
            try
            {
                await call.RequestStream.WriteAsync(new DeviceMessage { DeviceId = deviceId }, cancellationToken);
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // The gateway may end the call (a refused certificate) before the first message is written: the write then
                // fails without the reason, which the response carries. Read it, as a device would.
            }
            if (!await call.ResponseStream.MoveNext(cancellationToken) || call.ResponseStream.Current.Welcome is not { } welcome)
                throw new InvalidOperationException("the gateway did not answer with Welcome");
            device.Welcome = welcome;
            device.NextSequence = welcome.AcceptedThrough + 1;
            device._reader = device.ReadAsync();
            return device;
        }
        catch
        {
            await device.DisposeAsync();
            throw;
        }
    }

    public DeviceSignal Passage(PassageDirection direction, DateTimeOffset? at = null) => new()
    {
        Sequence = NextSequence++,
        OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at ?? DateTimeOffset.UtcNow),
        Passage = new Passage { Direction = direction },
    };

    public DeviceSignal Heartbeat() => new() { Sequence = NextSequence++, Heartbeat = new Heartbeat() };

    public DeviceSignal Fault(Mtaeda.Contracts.Equipment.V1.FaultKind kind, string reason) => new()
    {
        Sequence = NextSequence++,
        OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        Fault = new Fault { Kind = kind, Reason = reason },
    };

    /// <summary>A face capture of the turnstile's camera <paramref name="cameraId"/> (the capture id identification sees is <c>{device}.c{sequence}</c>).</summary>
    public DeviceSignal FaceCapture(string cameraId, PassageDirection direction, IEnumerable<float> template, byte[]? image = null)
    {
        var signal = new DeviceSignal
        {
            Sequence = NextSequence++,
            OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            FaceCapture = new FaceCapture { CameraId = cameraId, Direction = direction, Image = image is null ? Google.Protobuf.ByteString.Empty : Google.Protobuf.ByteString.CopyFrom(image) },
        };
        signal.FaceCapture.Template.AddRange(template);
        return signal;
    }

    public Task SendAsync(params DeviceSignal[] signals) => SendAsync(DeviceId, signals);

    public Task SendAsync(string deviceId, params DeviceSignal[] signals)
    {
        var message = new DeviceMessage { DeviceId = deviceId };
        message.Signals.AddRange(signals);
        return _call.RequestStream.WriteAsync(message, _cancellationToken);
    }

    /// <summary>Waits until <paramref name="condition"/> holds over what the gateway told the device (<see cref="Eventually"/>, woken by each message).</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <param name="timeout">How long to wait (30 s when null).</param>
    /// <returns>A task that completes when the condition holds; it fails if the stream ends first.</returns>
    public Task WaitForAsync(Func<TestDevice, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.MatchesAsync(() => Task.FromResult(Holds(condition, what)), static held => held, timeout ?? TimeSpan.FromSeconds(30), _cancellationToken, what, Changed,
            _ => $"accepted {Accepted}, forwarded {Forwarded}, next {NextSequence}, {Rejections.Count} rejections");

    private bool Holds(Func<TestDevice, bool> condition, string what)
    {
        lock (_lock)
        {
            if (condition(this)) return true;
            if (Error is not null) throw new InvalidOperationException($"the stream ended while waiting for {what}", Error);
            return false;
        }
    }

    private Task Changed()
    {
        lock (_lock) return _changed.Task;
    }

    /// <summary>Waits for the stream to end; returns its status.</summary>
    public async Task<Exception> WaitForEndAsync()
    {
        await WaitForAsync(d => d.Error is not null, "the stream to end");
        return Error!;
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var message in _call.ResponseStream.ReadAllAsync())
            {
                lock (_lock)
                {
                    switch (message.MessageCase)
                    {
                        case GatewayMessage.MessageOneofCase.Ack:
                            if (message.Ack.AcceptedThrough < Accepted || message.Ack.ForwardedThrough < Forwarded)
                                Error = new InvalidOperationException("a watermark went back");
                            Accepted = message.Ack.AcceptedThrough;
                            Forwarded = message.Ack.ForwardedThrough;
                            break;
                        case GatewayMessage.MessageOneofCase.Rejection:
                            Rejections.Add(message.Rejection);
                            break;
                        case GatewayMessage.MessageOneofCase.StatusChange:
                            StatusChanges.Add(message.StatusChange);
                            break;
                    }
                    Signal();
                }
            }
            lock (_lock)
            {
                Error ??= new EndOfStreamException("the gateway ended the stream");
                Signal();
            }
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                Error ??= e;
                Signal();
            }
        }
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException or IOException)
        {
        }
        _call.Dispose();
        try
        {
            await _reader;
        }
        catch (Exception e) when (e is RpcException or IOException or OperationCanceledException)
        {
        }
        _channel.Dispose();
    }
}
