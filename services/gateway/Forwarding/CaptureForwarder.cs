using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Gateway.Telemetry;
using IdentificationClient = Mtaeda.Contracts.Identification.V1.Identification.IdentificationClient;

namespace Mtaeda.Gateway.Forwarding;

/// <summary>Where the registry hands face captures: never the journal.</summary>
internal interface ICaptureSink
{
    /// <summary>Takes a capture to forward once; false when it was dropped (the queue is full).</summary>
    /// <param name="deviceId">The sending turnstile.</param>
    /// <param name="signal">The signal (a face capture, already checked).</param>
    /// <returns>Whether it was taken.</returns>
    bool TryForward(string deviceId, DeviceSignal signal);
}

/// <summary>
/// Face captures go to identification by service invocation through the sidecar (<c>SubmitCapture</c>, at most once,
/// <see cref="GatewayOptions.MaxConcurrentCaptures"/> at a time) and nowhere else: no journal, no store and forward, no
/// pub/sub, no retry queue, and no log line — what happens to a capture is only counted
/// (<c>mtaeda.gateway.captures</c> by outcome). A capture that cannot be handed over now (queue full, identification
/// away) is dropped, which is what the privacy rule asks of a capture that was not matched. The capture id is
/// <c>{device}.c{sequence}</c>.
/// </summary>
internal sealed class CaptureForwarder(IdentificationClient identification, GatewayOptions options, GatewayMetrics metrics) : BackgroundService, ICaptureSink
{
    private readonly Channel<SubmitCaptureRequest> _queue = Channel.CreateBounded<SubmitCaptureRequest>(
        new BoundedChannelOptions(options.CaptureQueue) { FullMode = BoundedChannelFullMode.Wait });

    /// <summary>The capture request identification receives for <paramref name="signal"/> of <paramref name="deviceId"/>.</summary>
    public static SubmitCaptureRequest Request(string deviceId, DeviceSignal signal)
    {
        var capture = signal.FaceCapture;
        var request = new SubmitCaptureRequest
        {
            CaptureId = $"{deviceId}.c{signal.Sequence}",
            CameraId = capture.CameraId,
            TurnstileId = deviceId,
            Direction = capture.Direction,
            CapturedAt = signal.OccurredAt,
            Template = new FaceTemplate(),
            Image = capture.Image,
        };
        request.Template.Values.AddRange(capture.Template);
        return request;
    }

    /// <inheritdoc />
    public bool TryForward(string deviceId, DeviceSignal signal)
    {
        if (_queue.Writer.TryWrite(Request(deviceId, signal))) return true;
        metrics.Capture("dropped");
        return false;
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.MaxConcurrentCaptures)).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await foreach (var request in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            string outcome;
            try
            {
                var answer = await identification.SubmitCaptureAsync(request, deadline: DateTime.UtcNow + options.IdentificationCallTimeout, cancellationToken: stoppingToken);
                outcome = answer.Match switch
                {
                    MatchKind.Offender => "offender",
                    MatchKind.Passenger => "passenger",
                    _ => "unmatched",
                };
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                outcome = e.StatusCode switch
                {
                    StatusCode.InvalidArgument or StatusCode.NotFound => "refused",
                    _ => "failed",
                };
            }
            metrics.Capture(outcome);
        }
    }
}
