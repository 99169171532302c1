using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mtaeda.Dashboard.Tests;

public sealed class IdentityTests
{
    [Fact]
    public async Task The_development_issuer_signs_hub_tokens_its_own_jwks_verifies_with_the_contracts_claims()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var issuer = new DevelopmentIssuer("http://localhost:5110/", time);
        var token = issuer.Issue(new DashboardUser("tech-003", "Chen Li", Roles.Technician, ["stn-001", "stn-002"]));

        var keys = new JsonWebKeySet(JsonSerializer.Serialize(issuer.Jwks()));
        var metadata = issuer.Metadata();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = (string?)metadata["issuer"],
            ValidAudience = "mtaeda-hub",
            IssuerSigningKeys = keys.GetSigningKeys(),
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("http://localhost:5110", (string?)metadata["issuer"]);
        Assert.Equal("http://localhost:5110/.well-known/jwks.json", (string?)metadata["jwks_uri"]);
        Assert.Equal(("tech-003", "Chen Li", "technician", "stn-001,stn-002"),
            ((string)result.Claims["sub"], (string)result.Claims["name"], (string)result.Claims["role"], (string)result.Claims["stations"]));
    }

    [Fact]
    public async Task A_token_of_another_key_is_not_verified_by_this_issuers_jwks()
    {
        using var issuer = new DevelopmentIssuer("http://localhost:5110", TimeProvider.System);
        using var stranger = new DevelopmentIssuer("http://localhost:5110", TimeProvider.System);
        var token = stranger.Issue(new DashboardUser("sup-001", "Sam", Roles.Supervisor, ["*"]));

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer.Issuer, ValidAudience = DevelopmentIssuer.HubAudience,
            IssuerSigningKeys = new JsonWebKeySet(JsonSerializer.Serialize(issuer.Jwks())).GetSigningKeys(),
        });

        Assert.False(result.IsValid);
    }

    [Fact]
    public void Entra_app_roles_map_to_the_dashboards_roles_and_an_unknown_role_is_a_viewer()
    {
        ClaimsPrincipal Principal(params Claim[] claims) => new(new ClaimsIdentity(claims, "oidc"));

        Assert.Equal(Roles.Supervisor, DashboardUser.From(Principal(new("oid", "x"), new("roles", "Supervisor"))).Role);
        Assert.Equal(Roles.Viewer, DashboardUser.From(Principal(new("oid", "x"), new("roles", "admin"))).Role);
        Assert.Same(DashboardUser.Anonymous, DashboardUser.From(new ClaimsPrincipal(new ClaimsIdentity())));
    }

    [Fact]
    public void Development_passwords_are_new_each_run_unless_the_environment_gives_them()
    {
        var empty = new ConfigurationBuilder().Build();
        var first = new DevelopmentUsers(empty).All.Select(u => u.Password).ToList();
        var second = new DevelopmentUsers(empty).All.Select(u => u.Password).ToList();
        Assert.NotEqual(first, second);

        var given = new DevelopmentUsers(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DASHBOARD_DEV_PASSWORD"] = "shared", ["DASHBOARD_DEV_PASSWORD_VIEWER"] = "own",
        }).Build());
        Assert.Equal(Roles.Supervisor, given.Check("supervisor", "shared")?.Role);
        Assert.Equal(Roles.Viewer, given.Check("viewer", "own")?.Role);
        Assert.Null(given.Check("viewer", "shared"));
        Assert.Null(given.Check("nobody", "shared"));
    }
}
