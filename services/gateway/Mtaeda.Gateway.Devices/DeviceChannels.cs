using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Mtaeda.Gateway.Devices;

/// <summary>The gRPC channel a device opens to its station gateway: TLS, its own client certificate, the station CA as the only trust anchor.</summary>
public static class DeviceChannels
{
    /// <summary>
    /// A channel to <paramref name="gateway"/> (e.g. <c>https://localhost:5443</c>) presenting <paramref name="clientCertificate"/>
    /// (none: the gateway refuses the device) and trusting only servers whose certificate <paramref name="trustedCa"/> issued.
    /// </summary>
    /// <param name="gateway">The gateway's device endpoint.</param>
    /// <param name="clientCertificate">The device's certificate with its private key, or null.</param>
    /// <param name="trustedCa">The CA the gateway's server certificate must chain to.</param>
    /// <returns>The channel; dispose it with the device.</returns>
    public static GrpcChannel Create(Uri gateway, X509Certificate2? clientCertificate, X509Certificate2 trustedCa)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(trustedCa);
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                && certificate is X509Certificate2 server
                && CertificateTrust.IsIssuedBy(trustedCa, server, CertificateTrust.ServerAuthentication, out _),
        };
        if (clientCertificate is not null) ssl.ClientCertificates = [clientCertificate];
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = ssl,
            EnableMultipleHttp2Connections = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        return GrpcChannel.ForAddress(gateway, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
