using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Forwarding;
using Mtaeda.Gateway.Tls;

namespace Mtaeda.Gateway.Api;

/// <summary>
/// <c>DeviceGateway.Connect</c>: one session per device. The device is the subject CN of its client certificate, which
/// must be issued by the station CA (Unauthenticated, with the reason, otherwise: the TLS handshake lets any
/// certificate or none through so that this answer can be given), every message must carry that device id (PermissionDenied otherwise), the first message is
/// answered with Welcome, and a newer session of the same device ends this one with Aborted.
/// </summary>
internal sealed class DeviceGatewayService(DeviceRegistry registry, DeviceOutcomes outcomes, DeviceTls tls, EquipmentCommands equipment, RetryGate gate,
    GatewayOptions options, ILogger<DeviceGatewayService> logger) : DeviceGateway.DeviceGatewayBase
{
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(2);

    public override async Task Connect(IAsyncStreamReader<DeviceMessage> requestStream, IServerStreamWriter<GatewayMessage> responseStream, ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (!tls.IsDevice(certificate, out var deviceId, out var error))
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"device certificate refused: {error}"));
        if (!await requestStream.MoveNext(context.CancellationToken)) return;
        var first = requestStream.Current;
        CheckDevice(first, deviceId);

        var device = registry.Get(deviceId);
        var (stationId, status, statusChangedAt) = await LookUpAsync(device, certificate!, context.CancellationToken);
        using var session = new DeviceSession(device, context.CancellationToken);
        registry.Attach(session, stationId, status, statusChangedAt);
        var writer = session.RunWriterAsync(responseStream, outcomes);
        logger.LogDebug("Device {DeviceId} connected", deviceId);
        try
        {
            registry.Receive(device, first);
            while (await requestStream.MoveNext(session.Token))
            {
                CheckDevice(requestStream.Current, deviceId);
                registry.Receive(device, requestStream.Current);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            if (session.Superseded) throw new RpcException(new Status(StatusCode.Aborted, "a newer session of this device replaced this one"));
            // The device went away (connection lost, call cancelled): there is no one to answer.
            logger.LogDebug("Device {DeviceId} left without closing its stream: {Reason}", deviceId, e.Message);
        }
        finally
        {
            registry.Detach(session);
            session.Complete();
            await writer;
            logger.LogDebug("Device {DeviceId} disconnected", deviceId);
        }
    }

    private static void CheckDevice(DeviceMessage message, string deviceId)
    {
        if (!string.Equals(message.DeviceId, deviceId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                message.DeviceId.Length == 0 ? "device_id: required" : $"device_id: '{message.DeviceId}' is not the device of the client certificate ('{deviceId}')"));
        }
    }

    // Station and status for the Welcome: equipment's answer when it can be reached, else what the gateway last knew,
    // else the certificate's OU and OPERATIONAL (store and forward: equipment has the last word on every passage).
    private async Task<(string StationId, TurnstileStatus Status, DateTimeOffset? StatusChangedAt)> LookUpAsync(DeviceState device, X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        var known = registry.Known(device);
        if (gate.IsOpen && await equipment.TryGetTurnstileAsync(device.DeviceId, LookupTimeout, cancellationToken) is { } turnstile)
        {
            return turnstile.TurnstileId.Length == 0
                ? (known.StationId.Length > 0 ? known.StationId : Fallback(certificate), TurnstileStatus.Unspecified, null)
                : (turnstile.StationId, turnstile.Status, turnstile.StatusChangedAt?.ToDateTimeOffset());
        }
        return (known.StationId.Length > 0 ? known.StationId : Fallback(certificate),
            known.Status == TurnstileStatus.Unspecified ? TurnstileStatus.Operational : known.Status, null);
    }

    private string Fallback(X509Certificate2 certificate) =>
        CertificateTrust.OrganizationalUnit(certificate) ?? options.StationId;
}
