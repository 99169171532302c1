using System.Threading.Channels;
using Grpc.Core;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Journal;

namespace Mtaeda.Gateway.Devices;

/// <summary>
/// One open <c>Connect</c> stream. Everything sent to the device goes through one writer loop, in order: the Welcome,
/// rejections (reported through <see cref="DeviceOutcomes"/> once written, which is what lets <c>forwarded_through</c> pass them), status
/// changes and acknowledgements (coalesced: the writer sends the watermarks current when it gets to them).
/// </summary>
internal sealed class DeviceSession : IDisposable
{
    private static readonly object AckMarker = new();
    private readonly Channel<object> _outbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _cancel;
    private int _ackRequested;

    public DeviceSession(DeviceState device, CancellationToken callAborted)
    {
        Device = device;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(callAborted);
    }

    public DeviceState Device { get; }

    /// <summary>Cancelled when the call ends or a newer session of the same device replaces this one.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>True once a newer session of the same device replaced this one.</summary>
    public bool Superseded { get; private set; }

    public void Send(GatewayMessage message) => _outbox.Writer.TryWrite(message);

    public void SendRejection(UndeliveredRejection rejection) => _outbox.Writer.TryWrite(rejection);

    public void RequestAck()
    {
        if (Interlocked.Exchange(ref _ackRequested, 1) == 0) _outbox.Writer.TryWrite(AckMarker);
    }

    public void Supersede()
    {
        Superseded = true;
        _cancel.Cancel();
    }

    /// <summary>No more messages: the writer ends once it has sent what is queued.</summary>
    public void Complete() => _outbox.Writer.TryComplete();

    public async Task RunWriterAsync(IServerStreamWriter<GatewayMessage> stream, DeviceOutcomes outcomes)
    {
        try
        {
            await foreach (var item in _outbox.Reader.ReadAllAsync(Token))
            {
                switch (item)
                {
                    case GatewayMessage message:
                        await stream.WriteAsync(message, Token);
                        break;
                    case UndeliveredRejection rejection:
                        await stream.WriteAsync(new GatewayMessage
                        {
                            Rejection = new Rejection
                            {
                                FirstSequence = rejection.FirstSequence,
                                LastSequence = rejection.LastSequence,
                                Reason = rejection.Reason,
                                Message = rejection.Message,
                            },
                        }, Token);
                        outcomes.RejectionWritten(Device, rejection);
                        break;
                    default:
                        Volatile.Write(ref _ackRequested, 0);
                        var (accepted, forwarded) = Device.Watermarks;
                        await stream.WriteAsync(new GatewayMessage { Ack = new Ack { AcceptedThrough = accepted, ForwardedThrough = forwarded } }, Token);
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The stream is gone (the device left, or a newer session replaced this one); the reader side ends the call.
            _cancel.Cancel();
        }
    }

    public void Dispose() => _cancel.Dispose();
}
