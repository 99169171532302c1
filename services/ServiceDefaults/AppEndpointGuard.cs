using System.Security.Cryptography;
using System.Text;
using Dapr.Actors.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// The first step of every request to a service's app port (the one <see cref="DaprSidecar.ListenOnAppPort"/> opened; every
/// port when there is none), ahead of routing (a startup filter, so no endpoint can be mapped around it). Other ports of
/// the app, such as the gateway's device port with its own client certificates, or the management port (<see cref="ManagementPort"/>,
/// guarded by its own filter), are not the sidecar's and not guarded here:
/// <list type="bullet">
/// <item><description>with <c>APP_API_TOKEN</c> set, every call but the health probes (<see cref="DefaultEndpoints.LivenessPath"/>,
/// <see cref="DefaultEndpoints.ReadinessPath"/>) must carry it in <c>dapr-api-token</c>, as the sidecar sends it on all
/// its calls to the app: Dapr's callbacks (<c>/dapr/subscribe</c>, <c>/dapr/config</c>), event deliveries, actor calls,
/// invoked methods and proxied gRPC calls. Anything else gets 401 (gRPC: <c>Unauthenticated</c>);</description></item>
/// <item><description>a call to an actor type the app does not host, or to a method its actor interfaces do not have,
/// gets 404 with a problem saying which, instead of the actor runtime's 500 and stack trace.</description></item>
/// </list>
/// </summary>
internal sealed class AppEndpointGuard(DaprAppTokenSettings settings) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var expected = settings.Token is { Length: > 0 } token ? Encoding.UTF8.GetBytes(token) : null;
        var appPort = app.ApplicationServices.GetService<AppPortBinding>()?.Port;
        var managementPort = app.ApplicationServices.GetService<ManagementPortBinding>()?.Port;
        var actors = app.ApplicationServices.GetService<ActorRuntime>();
        var hosted = actors?.RegisteredActors.ToDictionary(
            r => r.Type.ActorTypeName,
            r => r.Type.InterfaceTypes.SelectMany(i => i.GetMethods()).Select(m => m.Name).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
        app.Use(async (context, nextStep) =>
        {
            // The management port has its own guard (ManagementPortGuard: the probes and the scrape, nothing else).
            if ((appPort is { } port && context.Connection.LocalPort != port) || context.Connection.LocalPort == managementPort)
            {
                await nextStep(context);
                return;
            }
            if (expected is not null && !IsHealthProbe(context.Request.Path) && !Carries(context.Request, expected))
            {
                await RefuseAsync(context);
                return;
            }
            if (hosted is not null && UnknownActorTarget(context.Request.Path, hosted) is { } unknown)
            {
                await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown actor", detail: unknown).ExecuteAsync(context);
                return;
            }
            await nextStep(context);
        });
        next(app);
    };

    private static bool IsHealthProbe(PathString path) =>
        path.Equals(DefaultEndpoints.LivenessPath, StringComparison.OrdinalIgnoreCase) || path.Equals(DefaultEndpoints.ReadinessPath, StringComparison.OrdinalIgnoreCase);

    private static bool Carries(HttpRequest request, byte[] expected) =>
        request.Headers[DaprAppToken.HeaderName] is [{ } given] && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);

    private static async Task RefuseAsync(HttpContext context)
    {
        const string message = "missing or invalid app token (dapr-api-token)";
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            // A trailers-only gRPC response: Unauthenticated.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "16";
            context.Response.Headers["grpc-message"] = message;
            return;
        }
        await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: message).ExecuteAsync(context);
    }

    /// <summary>
    /// What is wrong with the actor a <c>/actors/{type}/{id}[/method/{method}]</c> call names, or null when the call is
    /// not an actor call or names a hosted type and method (timers and reminders, <c>method/timer/{name}</c> and <c>method/remind/{name}</c>, by type only).
    /// </summary>
    private static string? UnknownActorTarget(PathString path, Dictionary<string, HashSet<string>> hosted)
    {
        if (!path.StartsWithSegments("/actors", out var rest)) return null;
        var segments = rest.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2) return null;
        var type = Uri.UnescapeDataString(segments[0]);
        if (!hosted.TryGetValue(type, out var methods)) return $"actor type '{type}' is not hosted by this app";
        if (segments is [_, _, "method", var method] && !methods.Contains(Uri.UnescapeDataString(method)))
            return $"actor type '{type}' has no method '{Uri.UnescapeDataString(method)}'";
        return null;
    }
}
