using Mtaeda.ServiceDefaults;
using Dapr.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Api;
using Mtaeda.Equipment.Handlers;
using StationsClient = Mtaeda.Contracts.Stations.V1.Stations.StationsClient;

namespace Mtaeda.Equipment;

/// <summary>What <c>Program</c> wires up, kept out of it so that it reads like a table of contents.</summary>
public static class EquipmentServices
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5102;

    /// <summary>
    /// Listens on <c>APP_PORT</c> (default <see cref="DefaultAppPort"/>), HTTP/2 only without TLS (h2c): the sidecar runs
    /// with app protocol h2c, so its callbacks (actors, subscriptions, health) and the gRPC calls it proxies share the port.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder ListenOnAppPort(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return DaprSidecar.ListenOnAppPort(builder, DefaultAppPort);
    }

    /// <summary>
    /// The actors (Turnstile, Camera, StationEquipment), their proxies, the station lookup and the event handlers.
    /// The actor runtime and the proxies reach the sidecar at <c>DAPR_HTTP_ENDPOINT</c> or <c>DAPR_HTTP_PORT</c>, read from
    /// configuration (the Dapr CLI and the local runner set them in the environment; tests on the command line).
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddEquipmentServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddActors(options =>
        {
            options.Actors.RegisterActor<TurnstileActor>();
            options.Actors.RegisterActor<CameraActor>();
            options.Actors.RegisterActor<StationEquipmentActor>();
            options.UseSidecar(configuration);
        });
        builder.Services.AddSingleton<EquipmentActors>();

        builder.Services.AddSingleton(_ => new StationsClient(DaprSidecar.InvokerFor(configuration, StationsServiceDirectory.AppId)));
        builder.Services.AddSingleton<IStationDirectory, StationsServiceDirectory>();

        builder.Services.AddGrpc(options => options.Interceptors.Add<ErrorInterceptor>());
        builder.Services.AddEquipmentEventHandlers();
        return builder;
    }
}
