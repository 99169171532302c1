using Microsoft.Extensions.DependencyInjection.Extensions;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Api;
using Mtaeda.Equipment.Domain;
using Mtaeda.Equipment.Handlers;
using Mtaeda.Equipment.Infrastructure;
using Mtaeda.ServiceDefaults;
using StationsClient = Mtaeda.Contracts.Stations.V1.Stations.StationsClient;

namespace Microsoft.Extensions.Hosting;

/// <summary>The equipment service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class EquipmentExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5102;

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>), the actors (Turnstile, Camera,
    /// StationEquipment) and their proxies, the station lookup and gRPC with JSON transcoding.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddEquipment(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.ListenOnAppPort(DefaultAppPort);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(EquipmentOptions.From(configuration));
        builder.Services.AddActors(options =>
        {
            options.Actors.RegisterActor<TurnstileActor>();
            options.Actors.RegisterActor<CameraActor>();
            options.Actors.RegisterActor<StationEquipmentActor>();
            options.UseSidecar(configuration);
        });
        builder.Services.AddSingleton<EquipmentActors>();
        builder.Services.AddSingleton(_ => new StationsClient(DaprSidecar.InvokerFor(configuration, StationsServiceLookup.AppId)));
        builder.Services.AddSingleton<IStationLookup, StationsServiceLookup>();
        builder.AddGrpcApi();
        return builder;
    }

    /// <summary>The actor endpoints and the <c>mtaeda.equipment.v1.Equipment</c> API (gRPC and HTTP JSON).</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapEquipmentApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDaprActors();
        app.MapGrpcService<EquipmentService>().RequireDapr();
        return app;
    }

    /// <summary>Subscribes to <see cref="StationClosed"/>, <see cref="StationTakenOffline"/> and <see cref="StationOpened"/> on the stations topic.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapEquipmentEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapEventHandler<StationClosed, StationClosedHandler>(Topics.Stations);
        app.MapEventHandler<StationTakenOffline, StationTakenOfflineHandler>(Topics.Stations);
        app.MapEventHandler<StationOpened, StationOpenedHandler>(Topics.Stations);
        return app;
    }
}
