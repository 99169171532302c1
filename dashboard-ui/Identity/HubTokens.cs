namespace Mtaeda.Dashboard.Identity;

/// <summary>Gives the hub connection of a circuit the signed-in user's token.</summary>
public interface IHubTokens
{
    /// <summary>A token for the hub, or null when the user has none.</summary>
    /// <returns>The bearer token.</returns>
    Task<string?> GetAsync();
}

/// <summary>
/// Development: a token of the <see cref="DevelopmentIssuer"/> for the signed-in user. Production: the access token for
/// the hub's scope that the OpenID Connect sign-in obtained (kept as a claim of the sign-in cookie).
/// </summary>
/// <param name="user">The circuit's user.</param>
/// <param name="issuer">The development issuer, when it runs.</param>
public sealed class HubTokens(CurrentUser user, DevelopmentIssuer? issuer = null) : IHubTokens
{
    /// <inheritdoc/>
    public async Task<string?> GetAsync()
    {
        var principal = await user.PrincipalAsync();
        if (principal.Identity?.IsAuthenticated != true) return null;
        if (issuer is not null) return issuer.Issue(await user.GetAsync());
        return principal.FindFirst(DashboardClaims.HubAccessToken)?.Value;
    }
}
