using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Mtaeda.Dashboard.Identity;

/// <summary>The signed-in user of this circuit (from Blazor's authentication state).</summary>
/// <param name="state">Blazor's authentication state.</param>
/// <param name="options">The OpenID Connect options (the role claim's name).</param>
public sealed class CurrentUser(AuthenticationStateProvider state, IOptions<OidcOptions> options)
{
    /// <summary>The user, read again each time (a circuit's state can change).</summary>
    /// <returns>The user, or <see cref="DashboardUser.Anonymous"/>.</returns>
    public async Task<DashboardUser> GetAsync() => DashboardUser.From((await state.GetAuthenticationStateAsync()).User, options.Value.RoleClaim);

    /// <summary>The claims principal itself (for the hub's token).</summary>
    /// <returns>The principal.</returns>
    public async Task<System.Security.Claims.ClaimsPrincipal> PrincipalAsync() => (await state.GetAuthenticationStateAsync()).User;
}
