using System.Globalization;
using System.Net;
using Dapr.Actors.Runtime;
using Dapr.Client;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Where a service finds its sidecar and how it listens for it. The Dapr CLI, the Kubernetes injector and the local
/// runner set <c>APP_PORT</c>, <c>DAPR_HTTP_PORT</c> and <c>DAPR_GRPC_PORT</c> (or the <c>*_ENDPOINT</c> forms); they are
/// read from configuration, which includes the environment, so tests can run several apps in one process.
/// </summary>
public static class DaprSidecar
{
    /// <summary>The sidecar's HTTP endpoint (actors, health).</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <returns>An absolute URL.</returns>
    public static string HttpEndpoint(IConfiguration configuration) =>
        Endpoint(configuration["DAPR_HTTP_ENDPOINT"], configuration["DAPR_HTTP_PORT"], 3500);

    /// <summary>The sidecar's gRPC endpoint (the Dapr API and proxied gRPC calls).</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <returns>An absolute URL.</returns>
    public static string GrpcEndpoint(IConfiguration configuration) =>
        Endpoint(configuration["DAPR_GRPC_ENDPOINT"], configuration["DAPR_GRPC_PORT"], 50001);

    /// <summary>The API token for the sidecar, when one is set.</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <returns>The token, or null.</returns>
    public static string? ApiToken(IConfiguration configuration) =>
        configuration["DAPR_API_TOKEN"] is { Length: > 0 } token ? token : null;

    /// <summary>A call path for generated gRPC clients of <paramref name="appId"/>, through the sidecar (<c>dapr-app-id</c>).</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <param name="appId">The service to call.</param>
    /// <returns>The call invoker.</returns>
    public static CallInvoker InvokerFor(IConfiguration configuration, string appId) =>
        DaprClient.CreateInvocationInvoker(appId, GrpcEndpoint(configuration), ApiToken(configuration));

    /// <summary>Points the actor runtime (and the proxies it creates) at this app's sidecar.</summary>
    /// <param name="options">The actor runtime options.</param>
    /// <param name="configuration">The app's configuration.</param>
    /// <returns>The same options.</returns>
    public static ActorRuntimeOptions UseSidecar(this ActorRuntimeOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.HttpEndpoint = HttpEndpoint(configuration);
        if (ApiToken(configuration) is { } token) options.DaprApiToken = token;
        return options;
    }

    /// <summary>The configuration key (and environment variable) of the address the app port listens on.</summary>
    public const string ListenAddressKey = "APP_LISTEN_ADDRESS";

    /// <summary>
    /// Listens on <c>APP_PORT</c> with HTTP/2 only, without TLS (h2c): the app runs with app protocol h2c, so Dapr's
    /// callbacks (actors, subscriptions, health) and the gRPC calls it proxies share the port. The port is for the
    /// sidecar alone, so it listens on loopback (127.0.0.1 and ::1) unless <c>APP_LISTEN_ADDRESS</c> names another
    /// address (an IP address, or <c>*</c> for every address). Loopback is right wherever the sidecar runs beside the
    /// app: the Dapr CLI and the local runtime, and Kubernetes, where daprd shares the pod's network and calls the app on
    /// 127.0.0.1 (its <c>app-channel-address</c>); set it only when the sidecar's app channel address is another one.
    /// With <c>MANAGEMENT_PORT</c> set, it also opens the management listener (<see cref="ManagementPort"/>: HTTP/1.1 on
    /// every address, health and metrics only), which must be another port.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <param name="defaultPort">The port when <c>APP_PORT</c> is not set.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="InvalidOperationException"><c>APP_LISTEN_ADDRESS</c> is not an IP address or <c>*</c>, or
    /// <c>MANAGEMENT_PORT</c> is not a port number or is the app port.</exception>
    public static WebApplicationBuilder ListenOnAppPort(this WebApplicationBuilder builder, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var port = builder.Configuration.GetValue("APP_PORT", defaultPort);
        builder.ListenOnManagementPort(port);
        var address = builder.Configuration[ListenAddressKey];
        builder.Services.AddSingleton(new AppPortBinding(port));
        Action<ListenOptions> h2c = listen => listen.Protocols = HttpProtocols.Http2;
        if (string.IsNullOrWhiteSpace(address))
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port, h2c));
        }
        else if (address.Trim() == "*")
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port, h2c));
        }
        else
        {
            var ip = IPAddress.TryParse(address.Trim(), out var parsed)
                ? parsed
                : throw new InvalidOperationException($"{ListenAddressKey} '{address}' is not an IP address (or * for every address)");
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(ip, port, h2c));
        }
        return builder;
    }

    private static string Endpoint(string? endpoint, string? port, int defaultPort) =>
        !string.IsNullOrWhiteSpace(endpoint)
            ? endpoint
            : $"http://127.0.0.1:{(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : defaultPort)}";
}

/// <summary>The port <see cref="DaprSidecar.ListenOnAppPort"/> listens on for the sidecar; other ports of the app (the gateway's device port) are not the sidecar's.</summary>
/// <param name="Port">The app port.</param>
internal sealed record AppPortBinding(int Port);
