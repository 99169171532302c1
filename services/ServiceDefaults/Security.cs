using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Mtaeda.ServiceDefaults;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The Dapr app-token check (<c>APP_API_TOKEN</c>) for endpoints the sidecar calls.</summary>
public static class SecurityExtensions
{
    /// <summary>
    /// Registers Dapr.AspNetCore's token authentication (<c>AddAuthentication().AddDapr()</c>) and its <c>Dapr</c>
    /// authorization policy when <c>APP_API_TOKEN</c> is configured; without it, nothing is enforced, so local runs
    /// without tokens keep working. Called by <c>AddServiceDefaults()</c>.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddDaprAppTokenAuthentication<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var token = builder.Configuration[DaprAppToken.ConfigurationKey];
        var required = !string.IsNullOrWhiteSpace(token);
        builder.Services.TryAddSingleton(new DaprAppTokenSettings(required));

        var authentication = builder.Services.AddAuthentication();
        if (required)
        {
            authentication.AddDapr(options => options.Token = token!);
        }

        builder.Services.AddAuthorization(options =>
        {
            if (required)
            {
                options.AddDapr(DaprAppToken.PolicyName);
            }
        });
        return builder;
    }

    /// <summary>
    /// Requires the Dapr app token (header <c>dapr-api-token</c> equal to <c>APP_API_TOKEN</c>) on these endpoints when
    /// <c>APP_API_TOKEN</c> is configured; a call without it, or with another value, gets 401. When the token is not
    /// configured this adds nothing. Put it on everything the sidecar calls: event handlers, invoked methods.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder type.</typeparam>
    /// <param name="builder">The endpoint (or group) builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder RequireDapr<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint =>
        {
            var settings = endpoint.ApplicationServices.GetService<DaprAppTokenSettings>()
                ?? throw new InvalidOperationException("RequireDapr() needs builder.AddServiceDefaults() (or AddDaprAppTokenAuthentication()) at start-up.");
            if (settings.IsRequired)
            {
                endpoint.Metadata.Add(new AuthorizeAttribute(DaprAppToken.PolicyName));
            }
        });
        return builder;
    }
}
