using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>The actor endpoints the sidecar calls, mapped the same way by every service that hosts actors.</summary>
public static class ActorEndpoints
{
    /// <summary>
    /// Maps the Dapr actor endpoints (<c>/dapr/config</c>, <c>/actors/…</c>), requiring the Dapr app token when one is set.
    /// Dapr.Actors maps its own <c>/healthz</c> too; its endpoints get a lower precedence so that <c>/healthz</c> is always
    /// the service defaults' liveness check, which never requires the token.
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static IEndpointRouteBuilder MapDaprActors(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapActorsHandlers()
            .RequireDapr()
            .Add(endpoint =>
            {
                if (endpoint is RouteEndpointBuilder route) route.Order = 1;
            });
        return app;
    }
}
