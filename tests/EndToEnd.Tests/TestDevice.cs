using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// A turnstile driven by a test: one session with the gateway's device port (mutual TLS with a certificate issued by
/// the development station CA), signals numbered from where the gateway's Welcome says, everything the gateway sends
/// kept in order.
/// </summary>
public sealed class TestDevice : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<DeviceMessage, GatewayMessage> _call;
    private readonly List<GatewayMessage> _received = [];
    private readonly Lock _lock = new();
    private readonly Task _reader;
    private readonly string _deviceId;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _sequence;

    private TestDevice(GrpcChannel channel, string deviceId)
    {
        _channel = channel;
        _deviceId = deviceId;
        _call = new DeviceGateway.DeviceGatewayClient(channel).Connect();
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>What the gateway sent so far.</summary>
    public IReadOnlyList<GatewayMessage> Received
    {
        get
        {
            lock (_lock) return [.. _received];
        }
    }

    public static async Task<TestDevice> ConnectAsync(MtaedaSystem system, string deviceId, string stationId)
    {
        using var certificates = DevCertificates.Ensure(system.CertsDir);
        var certificate = DevCertificates.IssueDeviceCertificate(certificates.Ca, deviceId, stationId);
        var device = new TestDevice(DeviceChannels.Create(new Uri($"https://localhost:{system.DevicePort}"), certificate, certificates.Ca), deviceId);
        await device._call.RequestStream.WriteAsync(new DeviceMessage { DeviceId = deviceId });
        var welcome = (await device.WaitForAsync(m => m.Welcome is not null, "the gateway's Welcome")).Welcome;
        device._sequence = welcome.AcceptedThrough;
        return device;
    }

    public DeviceSignal Passage(PassageDirection direction) =>
        new() { Sequence = ++_sequence, OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow), Passage = new Passage { Direction = direction } };

    public DeviceSignal Fault(FaultKind kind, string reason) =>
        new() { Sequence = ++_sequence, OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow), Fault = new Fault { Kind = kind, Reason = reason } };

    public Task SendAsync(params DeviceSignal[] signals) => _call.RequestStream.WriteAsync(new DeviceMessage { DeviceId = _deviceId, Signals = { signals } });

    /// <summary>The first message the gateway sent (so far or within 30 s) that matches.</summary>
    public async Task<GatewayMessage> WaitForAsync(Func<GatewayMessage, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_received.FirstOrDefault(match) is { } found) return found;
                changed = _changed.Task;
            }
            if (_reader.IsCompleted) throw new InvalidOperationException($"the gateway ended the session before {what}: {_reader.Exception?.InnerException?.Message}");
            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what}; received: {string.Join(", ", Received.Select(m => m.MessageCase))}");
            }
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var message in _call.ResponseStream.ReadAllAsync())
            {
                lock (_lock)
                {
                    _received.Add(message);
                    _changed.TrySetResult();
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
        finally
        {
            lock (_lock) _changed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _call.RequestStream.CompleteAsync();
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is RpcException or TimeoutException or OperationCanceledException)
        {
        }
        _call.Dispose();
        _channel.Dispose();
    }
}
