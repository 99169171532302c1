using Google.Protobuf;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Api;
using Mtaeda.Stations.Handlers;

namespace Mtaeda.Stations;

/// <summary>Settings of the stations service, bound from the <c>Stations</c> configuration section.</summary>
public sealed class StationsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Stations";

    /// <summary>The Dapr state store holding the station index (default <c>statestore</c>).</summary>
    public string StateStoreName { get; set; } = "statestore";
}

/// <summary>What the stations service adds to the service defaults, and what it maps.</summary>
public static class ApplicationServices
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5101;

    /// <summary>
    /// Kestrel on <c>APP_PORT</c> with HTTP/2 only (h2c: the sidecar runs with app-protocol h2c, so Dapr's callbacks and
    /// proxied gRPC calls share the port), gRPC, the Station actor, the equipment handlers and the station index.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    public static void AddApplicationServices(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.ListenOnAppPort(DefaultAppPort);

        builder.Services.AddGrpc();
        builder.Services.AddActors(options =>
        {
            options.Actors.RegisterActor<StationActor>(StationActor.TypeName);
            options.UseSidecar(configuration);
        });

        var options = configuration.GetSection(StationsOptions.SectionName).Get<StationsOptions>() ?? new StationsOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<StationDirectory>();
        builder.Services.AddSingleton<EquipmentInventory>();
        builder.Services.AddSingleton<TurnstileInstalledHandler>();
        builder.Services.AddSingleton<TurnstileDecommissionedHandler>();
        builder.Services.AddSingleton<CameraInstalledHandler>();
        builder.Services.AddSingleton<TurnstileCameraUninstalledHandler>();
    }

    /// <summary>
    /// The actor endpoints Dapr calls (with the app token when one is set). Dapr.Actors maps its own <c>/healthz</c> too;
    /// its endpoints get a lower precedence so that <c>/healthz</c> is always the service defaults' liveness check, which
    /// never requires the token.
    /// </summary>
    /// <param name="app">The app.</param>
    public static void MapStationActors(this WebApplication app) =>
        app.MapActorsHandlers()
            .RequireDapr()
            .Add(endpoint =>
            {
                if (endpoint is RouteEndpointBuilder route) route.Order = 1;
            });

    /// <summary>The <c>mtaeda.stations.v1.Stations</c> gRPC service.</summary>
    /// <param name="app">The app.</param>
    public static void MapStationsApiV1(this WebApplication app) => app.MapGrpcService<StationsApi>().RequireDapr();

    /// <summary>The equipment events the station's inventory follows; every other equipment event is acknowledged.</summary>
    /// <param name="app">The app.</param>
    public static void MapStationsEventHandlers(this WebApplication app)
    {
        app.MapHandler<TurnstileInstalled, TurnstileInstalledHandler>(Topics.Equipment);
        app.MapHandler<TurnstileDecommissioned, TurnstileDecommissionedHandler>(Topics.Equipment);
        app.MapHandler<CameraInstalled, CameraInstalledHandler>(Topics.Equipment);
        app.MapHandler<TurnstileCameraUninstalled, TurnstileCameraUninstalledHandler>(Topics.Equipment);
        app.MapOtherIntegrationEvents(Topics.Equipment).RequireDapr();
    }

    private static void MapHandler<TEvent, THandler>(this WebApplication app, string topic)
        where TEvent : IMessage<TEvent>, new()
        where THandler : IEventHandler<TEvent> =>
        app.MapIntegrationEvent<TEvent>(topic, (@event, context, cancellationToken) =>
            context.Http.RequestServices.GetRequiredService<THandler>().HandleAsync(@event, context, cancellationToken)).RequireDapr();
}
