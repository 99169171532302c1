using System.Security.Cryptography.X509Certificates;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.Gateway.Tls;

/// <summary>
/// The device port's certificates: the gateway's server certificate and the station CA that device certificates must
/// chain to. From files when <c>Gateway:ServerCertificatePath</c>, <c>Gateway:ServerKeyPath</c> and
/// <c>Gateway:StationCaPath</c> are set (production: mounted secrets); otherwise the development certificates in
/// <c>GATEWAY_CERTS_DIR</c> (default <c>&lt;repository&gt;/.dapr/certs</c>), made on first use.
/// </summary>
internal sealed class DeviceTls(X509Certificate2 server, X509Certificate2 stationCa, string source)
{
    public X509Certificate2 ServerCertificate { get; } = server;

    public X509Certificate2 StationCa { get; } = stationCa;

    /// <summary>Where the certificates came from, for the start-up log.</summary>
    public string Source { get; } = source;

    public static DeviceTls Load(GatewayOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ServerCertificatePath))
        {
            var server = DevCertificates.LoadPem(options.ServerCertificatePath, options.ServerKeyPath!);
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(options.StationCaPath!));
            return new DeviceTls(server, ca, $"files {options.ServerCertificatePath}, {options.StationCaPath}");
        }
        var directory = DevCertificates.DefaultDirectory(options.CertificatesDirectory);
        var set = DevCertificates.Ensure(directory);
        // The gateway needs the CA's certificate only, not its key.
        var publicCa = X509CertificateLoader.LoadCertificate(set.Ca.RawData);
        set.Ca.Dispose();
        return new DeviceTls(set.Server, publicCa, $"development certificates in {directory}");
    }

    /// <summary>True when <paramref name="certificate"/> is a device certificate of the station CA; gives its device id (the subject CN).</summary>
    public bool IsDevice(X509Certificate2? certificate, out string deviceId, out string? error)
    {
        deviceId = "";
        if (certificate is null)
        {
            error = "no client certificate";
            return false;
        }
        if (!CertificateTrust.IsIssuedBy(StationCa, certificate, CertificateTrust.ClientAuthentication, out error)) return false;
        if (CertificateTrust.CommonName(certificate) is not { } name)
        {
            error = "the certificate names no device (subject CN)";
            return false;
        }
        deviceId = name;
        return true;
    }
}
