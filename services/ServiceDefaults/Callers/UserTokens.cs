using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Mtaeda.ServiceDefaults.Callers;

/// <summary>
/// The issuer of the operations users' tokens (configuration section <c>Hub</c>, the notifications hub's contract): the
/// dashboard's development issuer in Development, the OpenID Connect provider (Entra ID) in production. The same tokens
/// authenticate a user to the hub and to the services' APIs.
/// </summary>
public sealed class UserTokenOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Hub";

    /// <summary>The audience the tokens name.</summary>
    public const string DefaultAudience = "mtaeda-hub";

    /// <summary>The token issuer (OIDC metadata at <c>{Authority}/.well-known/openid-configuration</c>); none: no user can be authenticated.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must name.</summary>
    public string Audience { get; set; } = DefaultAudience;

    /// <summary>Whether the metadata must come over https (off only for the development issuer).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>The one JwtBearer configuration of users' tokens, used by the hub and by <see cref="CallerInterceptor"/>.</summary>
public static class UserTokens
{
    /// <summary>The authentication scheme the APIs authenticate users' bearer tokens with.</summary>
    public const string Scheme = "UserBearer";

    /// <summary>The role claim.</summary>
    public const string RoleClaim = "role";

    /// <summary>The stations claim.</summary>
    public const string StationsClaim = "stations";

    /// <summary>Configures a JwtBearer scheme: authority (OIDC metadata), audience, claims as issued (no inbound mapping).</summary>
    /// <param name="jwt">The options.</param>
    /// <param name="options">The issuer's settings.</param>
    public static void Configure(JwtBearerOptions jwt, UserTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        ArgumentNullException.ThrowIfNull(options);
        jwt.Authority = options.Authority;
        jwt.Audience = options.Audience;
        jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters.NameClaimType = "name";
        jwt.TokenValidationParameters.RoleClaimType = RoleClaim;
    }
}
