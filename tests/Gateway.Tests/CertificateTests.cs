using System.Security.Cryptography.X509Certificates;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.Gateway.Tests;

public sealed class CertificateTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Development_certificates_made_concurrently_are_made_once()
    {
        var directory = _dir.Sub("certs");
        var sets = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => DevCertificates.Ensure(directory), TestContext.Current.CancellationToken)));
        try
        {
            Assert.Single(sets.Select(s => s.Ca.Thumbprint).Distinct());
            Assert.Single(sets.Select(s => s.Server.Thumbprint).Distinct());
            Assert.All(sets, s => Assert.True(s.Ca.HasPrivateKey && s.Server.HasPrivateKey));
            Assert.Empty(Directory.EnumerateFiles(directory, "*.tmp"));

            using var again = DevCertificates.Ensure(directory);
            Assert.Equal(sets[0].Ca.Thumbprint, again.Ca.Thumbprint);
            Assert.True(CertificateTrust.IsIssuedBy(again.Ca, again.Server, CertificateTrust.ServerAuthentication, out _));
            var names = again.Server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Contains("localhost", names.EnumerateDnsNames());
            Assert.Contains(System.Net.IPAddress.Loopback, names.EnumerateIPAddresses());
        }
        finally
        {
            foreach (var set in sets) set.Dispose();
        }
    }

    [Fact]
    public void A_device_certificate_names_its_device_and_station_and_is_trusted_only_by_its_ca()
    {
        using var set = DevCertificates.Ensure(_dir.Sub("certs"));
        using var device = DevCertificates.IssueDeviceCertificate(set.Ca, "ts-042-03", "stn-042");
        using var otherCa = DevCertificates.CreateCa("Another CA");
        using var forged = DevCertificates.IssueDeviceCertificate(otherCa, "ts-042-03");

        Assert.Equal("ts-042-03", CertificateTrust.CommonName(device));
        Assert.Equal("stn-042", CertificateTrust.OrganizationalUnit(device));
        Assert.True(device.HasPrivateKey);
        Assert.True(CertificateTrust.IsIssuedBy(set.Ca, device, CertificateTrust.ClientAuthentication, out var error), error);
        Assert.False(CertificateTrust.IsIssuedBy(set.Ca, device, CertificateTrust.ServerAuthentication, out _));
        Assert.False(CertificateTrust.IsIssuedBy(set.Ca, forged, CertificateTrust.ClientAuthentication, out _));
        Assert.False(CertificateTrust.IsIssuedBy(set.Ca, set.Ca, CertificateTrust.ClientAuthentication, out _));
    }

    public void Dispose() => _dir.Dispose();
}
