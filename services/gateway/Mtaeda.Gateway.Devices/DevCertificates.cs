using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mtaeda.Gateway.Devices;

/// <summary>
/// Development certificates: a station CA, the gateway's server certificate and per-device client certificates, all
/// ECDSA P-256, made with <see cref="CertificateRequest"/>. Only for local runs and tests; in production the CA and the
/// server certificate come from files or secrets (the gateway's <c>Gateway:Tls:*</c> configuration keys) and device
/// certificates from the authority's PKI.
/// </summary>
public static class DevCertificates
{
    /// <summary>The station CA certificate (PEM).</summary>
    public const string CaCertificateFile = "station-ca.crt";

    /// <summary>The station CA private key (PKCS#8 PEM).</summary>
    public const string CaKeyFile = "station-ca.key";

    /// <summary>The gateway's server certificate (PEM), issued by the station CA for localhost / 127.0.0.1 / ::1.</summary>
    public const string ServerCertificateFile = "gateway.crt";

    /// <summary>The gateway's server private key (PKCS#8 PEM).</summary>
    public const string ServerKeyFile = "gateway.key";

    /// <summary>The environment variable (and configuration key) naming the certificates directory.</summary>
    public const string DirectoryVariable = "GATEWAY_CERTS_DIR";

    private const string LockFile = ".lock";
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(5 * 365);
    private static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(7);

    /// <summary>
    /// The certificates directory: <paramref name="configured"/> when given, else <c>GATEWAY_CERTS_DIR</c>, else
    /// <c>&lt;repository&gt;/.dapr/certs</c> (the repository is the first directory upwards from the working directory,
    /// then from the application's base directory, that holds <c>MTAEDA.slnx</c>), else a folder in the temp directory.
    /// </summary>
    /// <param name="configured">An explicitly configured directory, or null.</param>
    /// <returns>The absolute directory path (not created).</returns>
    public static string DefaultDirectory(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
        var root = RepositoryRoot();
        return root is null
            ? Path.Combine(Path.GetTempPath(), "mtaeda", "certs")
            : Path.Combine(root, ".dapr", "certs");
    }

    /// <summary>The repository root (the folder holding <c>MTAEDA.slnx</c>) above the working or base directory, or null.</summary>
    /// <returns>The root, or null when neither is inside the repository.</returns>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MTAEDA.slnx"))) return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>
    /// Loads the station CA and the gateway's server certificate from <paramref name="directory"/>, creating whichever is
    /// missing (or expires within a week; a new CA also means a new server certificate). Safe when several processes (the
    /// gateway and the simulator) start at once: creation happens under an exclusive lock on <c>.lock</c> in the directory
    /// and every file is written to a temporary name and renamed into place.
    /// </summary>
    /// <param name="directory">The certificates directory; created when missing.</param>
    /// <param name="timeout">How long to wait for another process holding the lock (default 30 s).</param>
    /// <returns>The certificates, with their private keys.</returns>
    public static DevCertificateSet Ensure(string directory, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        using var exclusive = AcquireLock(Path.Combine(directory, LockFile), timeout ?? TimeSpan.FromSeconds(30));

        var caCertPath = Path.Combine(directory, CaCertificateFile);
        var caKeyPath = Path.Combine(directory, CaKeyFile);
        var serverCertPath = Path.Combine(directory, ServerCertificateFile);
        var serverKeyPath = Path.Combine(directory, ServerKeyFile);

        var ca = TryLoad(caCertPath, caKeyPath);
        if (ca is null || ExpiresSoon(ca))
        {
            ca?.Dispose();
            ca = CreateCa();
            WriteAtomically(caKeyPath, ExportKeyPem(ca), secret: true);
            WriteAtomically(caCertPath, ca.ExportCertificatePem(), secret: false);
            File.Delete(serverCertPath);
        }

        var server = TryLoad(serverCertPath, serverKeyPath);
        if (server is null || ExpiresSoon(server) || !CertificateTrust.IsIssuedBy(ca, server, CertificateTrust.ServerAuthentication, out _))
        {
            server?.Dispose();
            server = CreateServer(ca);
            WriteAtomically(serverKeyPath, ExportKeyPem(server), secret: true);
            WriteAtomically(serverCertPath, server.ExportCertificatePem(), secret: false);
        }

        return new DevCertificateSet(directory, ca, Reimport(server));
    }

    /// <summary>
    /// Issues a client certificate for device <paramref name="deviceId"/>, signed by <paramref name="ca"/>: subject
    /// <c>CN=deviceId</c> (and <c>OU=stationId</c> when given), extended key usage client authentication, a fresh P-256 key.
    /// </summary>
    /// <param name="ca">The station CA, with its private key.</param>
    /// <param name="deviceId">The device id, e.g. <c>ts-042-03</c>.</param>
    /// <param name="stationId">The device's station, recorded as the subject's OU; optional.</param>
    /// <param name="lifetime">Validity from now (default 30 days).</param>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 IssueDeviceCertificate(X509Certificate2 ca, string deviceId, string? stationId = null, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("MTAEDA");
        if (!string.IsNullOrWhiteSpace(stationId)) subject.AddOrganizationalUnitName(stationId);
        subject.AddCommonName(deviceId);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CertificateTrust.ClientAuthentication)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(ca, now.AddMinutes(-5), Min(now + (lifetime ?? TimeSpan.FromDays(30)), ca.NotAfter), SerialNumber());
        // Windows' TLS cannot use an ephemeral key; elsewhere the certificate is used as made (a PKCS#12 round trip
        // would cost a key derivation per device, which is most of the time of issuing thousands).
        if (!OperatingSystem.IsWindows()) return issued.CopyWithPrivateKey(key);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reimport(withKey);
    }

    /// <summary>A self-signed CA that is <em>not</em> the station CA (for tests of refused devices).</summary>
    /// <param name="name">The CA's common name.</param>
    /// <returns>The CA certificate with its private key.</returns>
    public static X509Certificate2 CreateCa(string name = "MTAEDA Development Station CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=MTAEDA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var self = request.CreateSelfSigned(now.AddMinutes(-5), now + CaLifetime);
        return Reimport(self);
    }

    private static X509Certificate2 CreateServer(X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=MTAEDA", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CertificateTrust.ServerAuthentication)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(ca, now.AddMinutes(-5), Min(now + ServerLifetime, ca.NotAfter), SerialNumber());
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reimport(withKey);
    }

    /// <summary>Loads a PEM certificate and its PEM private key into a certificate usable by TLS on every platform.</summary>
    /// <param name="certificatePath">The certificate (PEM).</param>
    /// <param name="keyPath">The private key (PEM).</param>
    /// <returns>The certificate with its key.</returns>
    public static X509Certificate2 LoadPem(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return Reimport(pem);
    }

    private static X509Certificate2? TryLoad(string certificatePath, string keyPath)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath)) return null;
        try
        {
            return LoadPem(certificatePath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            return null;
        }
    }

    private static bool ExpiresSoon(X509Certificate2 certificate) =>
        certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow < RenewBefore;

    // Keys made in memory are ephemeral on some platforms; a PKCS#12 round trip gives one TLS can always use.
    private static X509Certificate2 Reimport(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);

    private static string ExportKeyPem(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The certificate has no ECDSA private key.");
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return serial;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTime b)
    {
        var other = new DateTimeOffset(b.ToUniversalTime(), TimeSpan.Zero);
        return a < other ? a : other;
    }

    private static void WriteAtomically(string path, string content, bool secret)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            if (secret && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var writer = new StreamWriter(stream);
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static FileStream AcquireLock(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock on Unix), so two processes serialise here.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(25);
            }
        }
    }
}

/// <summary>The development station CA and the gateway's server certificate, as <see cref="DevCertificates.Ensure"/> found or made them.</summary>
/// <param name="directory">Where they are stored.</param>
/// <param name="ca">The station CA with its private key.</param>
/// <param name="server">The gateway's server certificate with its private key.</param>
public sealed class DevCertificateSet(string directory, X509Certificate2 ca, X509Certificate2 server) : IDisposable
{
    /// <summary>Where the files are.</summary>
    public string Directory { get; } = directory;

    /// <summary>The station CA, with its private key (it issues device certificates).</summary>
    public X509Certificate2 Ca { get; } = ca;

    /// <summary>The gateway's server certificate, with its private key.</summary>
    public X509Certificate2 Server { get; } = server;

    /// <inheritdoc />
    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
    }
}
