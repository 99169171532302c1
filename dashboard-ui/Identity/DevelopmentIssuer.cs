using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mtaeda.Dashboard.Identity;

/// <summary>
/// The development JWT issuer of the hub's contract (Development only): an RSA key (made at start, read from a file, or
/// shared by the replicas through the state store), its OpenID Connect
/// metadata at <c>/.well-known/openid-configuration</c> and its JWKS at <c>/.well-known/jwks.json</c>, and tokens for the
/// audience <c>mtaeda-hub</c> with the claims sub, name, role and stations. The hub's JwtBearer handler reads the metadata
/// from <c>Hub:Authority</c> = this issuer (http://localhost:5110 by default).
/// </summary>
public sealed class DevelopmentIssuer : IDisposable
{
    /// <summary>The audience of the hub's tokens.</summary>
    public const string HubAudience = "mtaeda-hub";

    /// <summary>Where the metadata is served.</summary>
    public const string MetadataPath = "/.well-known/openid-configuration";

    /// <summary>Where the keys are served.</summary>
    public const string JwksPath = "/.well-known/jwks.json";

    private readonly Lazy<(RSA Rsa, RsaSecurityKey Key)> _signing;
    private readonly TimeProvider _time;

    /// <summary>Makes the key, or reads it from <paramref name="keyPem"/>.</summary>
    /// <param name="issuer">The issuer URL (the dashboard's own address).</param>
    /// <param name="time">The clock.</param>
    /// <param name="keyPem">An RSA private key in PEM (<c>DevelopmentIssuer:KeyFile</c>), so that the tokens of a run can also be
    /// made outside the dashboard (the tests call the services with a user's token as the dashboard does); null: a new key.</param>
    public DevelopmentIssuer(string issuer, TimeProvider time, string? keyPem = null)
        : this(issuer, time, keyPem is null ? null : () => keyPem, keyPem is null ? null : "development-key-file")
    {
    }

    /// <summary>Signs with the key <paramref name="sharedKeyPem"/> gives on first use (every replica of the dashboard gets the
    /// same one from <see cref="Protection.SharedIssuerKey"/>, so a token made by one replica is verified with the JWKS of any).</summary>
    /// <param name="issuer">The issuer URL.</param>
    /// <param name="time">The clock.</param>
    /// <param name="sharedKeyPem">Gives the RSA private key in PEM; called once, when the first token or the JWKS is asked for.</param>
    public DevelopmentIssuer(string issuer, TimeProvider time, Func<string> sharedKeyPem)
        : this(issuer, time, sharedKeyPem ?? throw new ArgumentNullException(nameof(sharedKeyPem)), null)
    {
    }

    private DevelopmentIssuer(string issuer, TimeProvider time, Func<string>? keyPem, string? keyId)
    {
        Issuer = issuer.TrimEnd('/');
        _time = time;
        _signing = new(() =>
        {
            var rsa = RSA.Create(2048);
            if (keyPem is null) return (rsa, new RsaSecurityKey(rsa) { KeyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) });
            rsa.ImportFromPem(keyPem());
            // A key read from elsewhere is named by its public part, so every replica that holds it names it alike.
            return (rsa, new RsaSecurityKey(rsa) { KeyId = keyId ?? Convert.ToHexStringLower(SHA256.HashData(rsa.ExportRSAPublicKey()).AsSpan(0, 8)) });
        }, LazyThreadSafetyMode.PublicationOnly); // a failure (the sidecar not up yet) is not kept: the next call tries again
    }

    /// <summary>The configuration key of the PEM file of the issuer's key (Development only; none: a key made at start).</summary>
    public const string KeyFileKey = "DevelopmentIssuer:KeyFile";

    /// <summary>The issuer (iss).</summary>
    public string Issuer { get; }

    /// <summary>How long a token lives; the SignalR client asks for a new one on each (re)connection.</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A token for the hub on behalf of <paramref name="user"/>.</summary>
    /// <param name="user">The signed-in user.</param>
    /// <returns>The compact JWT.</returns>
    public string Issue(DashboardUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var now = _time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = HubAudience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            Claims = user.Claims().ToDictionary(c => c.Type, c => (object)c.Value),
            SigningCredentials = new SigningCredentials(_signing.Value.Key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The OpenID Connect discovery document.</summary>
    /// <returns>JSON.</returns>
    public JsonObject Metadata() => new()
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = Issuer + JwksPath,
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        ["response_types_supported"] = new JsonArray("token"),
        ["subject_types_supported"] = new JsonArray("public"),
        ["claims_supported"] = new JsonArray("sub", "name", "role", "stations"),
    };

    /// <summary>The public key set.</summary>
    /// <returns>JSON.</returns>
    public JsonObject Jwks()
    {
        var (rsa, key) = _signing.Value;
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = key.KeyId });
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = jwk.Kty,
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = jwk.Kid,
                ["n"] = jwk.N,
                ["e"] = jwk.E,
            }),
        };
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_signing.IsValueCreated) _signing.Value.Rsa.Dispose();
    }
}
