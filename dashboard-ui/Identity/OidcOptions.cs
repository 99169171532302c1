namespace Mtaeda.Dashboard.Identity;

/// <summary>The production sign-in (section <c>Authentication:Oidc</c>): OpenID Connect, Entra ID on AKS.</summary>
public sealed class OidcOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Authentication:Oidc";

    /// <summary>The authority, e.g. https://login.microsoftonline.com/{tenant}/v2.0. Empty: no OpenID Connect.</summary>
    public string Authority { get; set; } = string.Empty;

    /// <summary>The dashboard's application (client) id.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>The client secret (from a secret store or the environment, never committed).</summary>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>The scope of the hub's API, e.g. api://mtaeda-hub/access; its access token authenticates the user at the hub.</summary>
    public string HubScope { get; set; } = string.Empty;

    /// <summary>The claim that carries app roles (Entra ID: roles).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Whether OpenID Connect is configured.</summary>
    public bool Enabled => Authority.Length > 0 && ClientId.Length > 0;
}
