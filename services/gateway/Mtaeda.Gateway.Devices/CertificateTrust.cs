using System.Security.Cryptography.X509Certificates;

namespace Mtaeda.Gateway.Devices;

/// <summary>Checks that a certificate chains to one given CA (and only to it), for a given purpose.</summary>
public static class CertificateTrust
{
    /// <summary>Extended key usage: TLS client authentication.</summary>
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>Extended key usage: TLS server authentication.</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// True when <paramref name="certificate"/> is a currently valid end-entity certificate issued by <paramref name="ca"/>
    /// (the CA is the only trusted root; the system store is ignored; no revocation check) and allowed for
    /// <paramref name="purposeOid"/>.
    /// </summary>
    /// <param name="ca">The trusted CA.</param>
    /// <param name="certificate">The certificate to check.</param>
    /// <param name="purposeOid">The required extended key usage (<see cref="ClientAuthentication"/> or <see cref="ServerAuthentication"/>).</param>
    /// <param name="error">Why it is not trusted, when it is not.</param>
    /// <returns>Whether it is trusted.</returns>
    public static bool IsIssuedBy(X509Certificate2 ca, X509Certificate2 certificate, string purposeOid, out string? error)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(certificate);
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            error = "a CA certificate cannot authenticate a device or a server";
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(purposeOid));
        if (!chain.Build(certificate))
        {
            error = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).DefaultIfEmpty("the certificate does not chain to the station CA"));
            return false;
        }
        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
        {
            error = "the certificate does not chain to the station CA";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>The subject's common name (the device id of a device certificate), or null.</summary>
    /// <param name="certificate">The certificate.</param>
    /// <returns>The CN, or null when it has none.</returns>
    public static string? CommonName(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrWhiteSpace(name) ? null : name;
    }

    /// <summary>The subject's first organizational unit (the station of a device certificate), or null.</summary>
    /// <param name="certificate">The certificate.</param>
    /// <returns>The OU, or null when it has none.</returns>
    public static string? OrganizationalUnit(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.11") return rdn.GetSingleElementValue();
        }
        return null;
    }
}
