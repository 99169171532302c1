using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults.Callers;

namespace Mtaeda.Notifications.Api;

/// <summary>
/// Who may connect to the operations hub: a JWT bearer token (header, or <c>access_token</c> in the query string for
/// WebSockets and server-sent events, as SignalR sends it) from <see cref="HubOptions.Authority"/> (OIDC metadata), for
/// the audience <see cref="HubOptions.Audience"/>, with a known <c>role</c> and a non-empty <c>stations</c> claim.
/// </summary>
public static class HubAuthorization
{
    /// <summary>The authentication scheme of the hub.</summary>
    public const string Scheme = "HubBearer";

    /// <summary>The authorization policy of the hub.</summary>
    public const string PolicyName = "HubUser";

    /// <summary>The role claim.</summary>
    public const string RoleClaim = UserTokens.RoleClaim;

    /// <summary>The stations claim.</summary>
    public const string StationsClaim = UserTokens.StationsClaim;

    /// <summary>The role and stations of a user; null when the claims grant nothing.</summary>
    /// <param name="user">The user.</param>
    /// <returns>The access.</returns>
    public static (HubRole Role, IReadOnlyList<string> Stations)? AccessOf(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true) return null;
        if (!HubAccess.TryParseRole(user.FindFirst(RoleClaim)?.Value, out var role)) return null;
        var stations = HubAccess.StationsOf(user.FindFirst(StationsClaim)?.Value);
        return stations.Count == 0 ? null : (role, stations);
    }

    /// <summary>Configures the scheme as the APIs' (<see cref="UserTokens.Configure"/>), plus the query-string token on the hub's path.</summary>
    /// <param name="jwt">The options.</param>
    /// <param name="hub">The hub's settings.</param>
    public static void Configure(JwtBearerOptions jwt, HubOptions hub)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        ArgumentNullException.ThrowIfNull(hub);
        UserTokens.Configure(jwt, new UserTokenOptions { Authority = hub.Authority, Audience = hub.Audience, RequireHttpsMetadata = hub.RequireHttpsMetadata });
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                var token = context.Request.Query["access_token"].ToString();
                if (token.Length > 0 && context.HttpContext.Request.Path.StartsWithSegments(HubOptions.Path)) context.Token = token;
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>The hub's policy: authenticated by <see cref="Scheme"/>, with a role and stations.</summary>
    /// <param name="policy">The policy builder.</param>
    public static void Policy(AuthorizationPolicyBuilder policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireAssertion(context => AccessOf(context.User) is not null);
    }
}
