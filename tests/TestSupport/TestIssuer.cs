using System.Security.Claims;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mtaeda.Testing;

/// <summary>
/// A token issuer on a loopback port, as the dashboard's development issuer is: OIDC metadata at
/// <c>/.well-known/openid-configuration</c> and its RSA key at <c>/jwks</c>, so the notifications hub (its
/// <c>Hub:Authority</c>) discovers it as it would in a run, and tokens with the hub's claims (<c>role</c>, <c>stations</c>).
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;

    private TestIssuer(WebApplication app, string authority, RsaSecurityKey key)
    {
        _app = app;
        Authority = authority;
        _key = key;
    }

    /// <summary>The issuer's URL (<c>Hub:Authority</c>).</summary>
    public string Authority { get; }

    /// <summary>Starts the issuer with a new RSA key.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The issuer.</returns>
    public static async Task<TestIssuer> StartAsync(CancellationToken cancellationToken)
    {
        var port = LocalDapr.Sidecar.Sidecar.FreePort();
        var authority = $"http://127.0.0.1:{port}";
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(authority);
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = authority,
            ["jwks_uri"] = authority + "/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/jwks", () => Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } }));
        await app.StartAsync(cancellationToken);
        return new TestIssuer(app, authority, key);
    }

    /// <summary>A token for the hub.</summary>
    /// <param name="role">The <c>role</c> claim.</param>
    /// <param name="stations">The <c>stations</c> claim.</param>
    /// <param name="audience">The audience.</param>
    /// <param name="signedWith">Another signing key (a forged token); the issuer's by default.</param>
    /// <param name="sub">The <c>sub</c> and <c>name</c> claims.</param>
    /// <returns>The token.</returns>
    public string Token(string role, string stations, string audience = "mtaeda-hub", SecurityKey? signedWith = null, string sub = "user-1") =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = audience,
            Expires = DateTime.UtcNow.AddMinutes(10),
            Subject = new ClaimsIdentity([new Claim("sub", sub), new Claim("name", sub), new Claim("role", role), new Claim("stations", stations)]),
            SigningCredentials = new SigningCredentials(signedWith ?? _key, SecurityAlgorithms.RsaSha256),
        });

    /// <summary>The arguments that make a service trust this issuer (<c>Hub:Authority</c>, metadata over http).</summary>
    public string[] AppArgs => [$"--Hub:Authority={Authority}", "--Hub:RequireHttpsMetadata=false"];

    /// <summary>A service's app builder (<see cref="ServiceApp.Of"/>) that starts the app trusting this issuer (<see cref="AppArgs"/> added to its arguments).</summary>
    /// <param name="app">The app's builder.</param>
    /// <returns>The builder of the app trusting this issuer.</returns>
    public Func<string[], WebApplication> TrustedBy(Func<string[], WebApplication> app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return args => app([.. args, .. AppArgs]);
    }

    /// <summary>Calls through <paramref name="invoker"/> on behalf of a user: <c>authorization: Bearer</c> with this issuer's token.</summary>
    /// <param name="invoker">The call path (e.g. a sidecar's invoker).</param>
    /// <param name="role">The <c>role</c> claim.</param>
    /// <param name="stations">The <c>stations</c> claim.</param>
    /// <param name="sub">The <c>sub</c> claim.</param>
    /// <returns>The call path that adds the token.</returns>
    public CallInvoker As(CallInvoker invoker, string role, string stations = "*", string sub = "user-1")
    {
        var token = Token(role, stations, sub: sub);
        return invoker.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + token);
            return metadata;
        });
    }

    /// <summary>Sends this issuer's token for a user on every request of <paramref name="http"/>.</summary>
    /// <param name="http">The client.</param>
    /// <param name="role">The <c>role</c> claim.</param>
    /// <param name="stations">The <c>stations</c> claim.</param>
    /// <param name="sub">The <c>sub</c> claim.</param>
    /// <returns>The same client.</returns>
    public HttpClient As(HttpClient http, string role, string stations = "*", string sub = "user-1")
    {
        ArgumentNullException.ThrowIfNull(http);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token(role, stations, sub: sub));
        return http;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
