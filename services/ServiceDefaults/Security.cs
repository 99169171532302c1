using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Mtaeda.ServiceDefaults;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The Dapr app-token check (<c>APP_API_TOKEN</c>) on everything the sidecar calls.</summary>
public static class SecurityExtensions
{
    /// <summary>
    /// Guards the app port (see <see cref="AppEndpointGuard"/>): when <c>APP_API_TOKEN</c> is configured, every call but
    /// the health probes must carry it, whatever endpoint it is for; calls to actor types or methods the app does not host
    /// get a clear 404. Also registers Dapr.AspNetCore's token authentication (<c>AddAuthentication().AddDapr()</c>) and
    /// its <c>Dapr</c> authorization policy, used by <see cref="RequireDapr{TBuilder}"/>. Without the token nothing is
    /// enforced, so runs without tokens keep working. Called by <c>AddServiceDefaults()</c>.
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
        builder.Services.TryAddSingleton(new DaprAppTokenSettings(required ? token : null));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, AppEndpointGuard>());

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
    /// Marks endpoints as called by the sidecar: requires the Dapr app token (header <c>dapr-api-token</c> equal to
    /// <c>APP_API_TOKEN</c>) through the <c>Dapr</c> authorization policy when <c>APP_API_TOKEN</c> is configured; a call
    /// without it, or with another value, gets 401. The app-port guard already refuses such calls on every endpoint but
    /// the health probes, so this states intent and holds even if the guard is removed. Without the token it adds nothing.
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
