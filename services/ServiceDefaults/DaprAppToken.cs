namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Names used by the Dapr app-token check: when <c>APP_API_TOKEN</c> is set, the sidecar sends it on every call it
/// makes to the app (invocation, pub/sub delivery, actor calls, Dapr's callbacks, proxied gRPC) in the
/// <c>dapr-api-token</c> header, and every endpoint of the app but the health probes refuses calls that do not carry it.
/// </summary>
public static class DaprAppToken
{
    /// <summary>The configuration key (and environment variable) holding the token: <c>APP_API_TOKEN</c>.</summary>
    public const string ConfigurationKey = "APP_API_TOKEN";

    /// <summary>The request header the sidecar puts the token in.</summary>
    public const string HeaderName = "dapr-api-token";

    /// <summary>The authorization policy (and authentication scheme) name, as registered by Dapr.AspNetCore.</summary>
    public const string PolicyName = "Dapr";
}

/// <summary>The app token, when one is configured; read once, from configuration, by <c>AddServiceDefaults()</c>.</summary>
internal sealed record DaprAppTokenSettings(string? Token)
{
    /// <summary>Whether the app token is enforced.</summary>
    public bool IsRequired => !string.IsNullOrWhiteSpace(Token);
}
