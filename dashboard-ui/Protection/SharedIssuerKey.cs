using System.Security.Cryptography;
using Dapr.Client;
using Microsoft.AspNetCore.DataProtection;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Dashboard.Protection;

/// <summary>
/// The development issuer's RSA key, one for every replica of the dashboard: kept in the Dapr state store beside the Data
/// Protection ring, itself encrypted with that ring (a protector of its own purpose). The first replica that needs it makes
/// it and writes it with first-write-wins concurrency; a replica that lost that race reads the winner's. So the hub, which
/// fetches the JWKS from any replica behind the dashboard's Service, verifies a token whichever replica issued it.
/// </summary>
/// <param name="dapr">The sidecar's client.</param>
/// <param name="store">The state store component's name.</param>
/// <param name="protection">The shared Data Protection (its ring in the same store).</param>
public sealed class SharedIssuerKey(DaprClient dapr, string store, IDataProtectionProvider protection)
{
    /// <summary>The state item that holds the protected key.</summary>
    public const string ItemKey = "development-issuer-key";

    /// <summary>The Data Protection purpose of the key.</summary>
    public const string Purpose = "Mtaeda.Dashboard.DevelopmentIssuer.SigningKey";

    private readonly IDataProtector _protector = protection.CreateProtector(Purpose);

    /// <summary>The key in PEM, made and stored if no replica has yet.</summary>
    /// <returns>The RSA private key (PKCS#1 PEM).</returns>
    public string GetOrCreatePem() => GetOrCreatePemAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The key in PEM, made and stored if no replica has yet.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The RSA private key (PKCS#1 PEM).</returns>
    public async Task<string> GetOrCreatePemAsync(CancellationToken cancellationToken)
    {
        // Created only if absent: of two replicas that make a key at once, one keeps the other's.
        var (_, stored) = await dapr.TryCreateAsync(store, ItemKey, () =>
        {
            using var rsa = RSA.Create(2048);
            return _protector.Protect(rsa.ExportRSAPrivateKeyPem());
        }, cancellationToken);
        return _protector.Unprotect(stored);
    }
}
