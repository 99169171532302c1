using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Api;
using Mtaeda.Stations.Handlers;
using Mtaeda.Stations.Infrastructure;

namespace Microsoft.Extensions.Hosting;

/// <summary>The stations service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class StationsExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5101;

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>), the Station actor, the station index,
    /// the inventory the equipment handlers update, the work-order history the scheduling handlers update, and gRPC with
    /// JSON transcoding.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddStations(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.ListenOnAppPort(DefaultAppPort);
        builder.Services.AddActors(options =>
        {
            options.Actors.RegisterActor<StationActor>(StationActor.TypeName);
            options.UseSidecar(configuration);
        });
        builder.Services.AddSingleton(configuration.GetSection(StationsOptions.SectionName).Get<StationsOptions>() ?? new StationsOptions());
        builder.Services.AddSingleton<StationIndex>();
        builder.Services.AddSingleton<StationInventory>();
        builder.Services.AddSingleton<StationWorkOrders>();
        builder.AddGrpcApi();
        return builder;
    }

    /// <summary>The actor endpoints and the <c>mtaeda.stations.v1.Stations</c> API (gRPC and HTTP JSON).</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapStationsApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDaprActors();
        app.MapGrpcService<StationsApi>().RequireDapr();
        return app;
    }

    /// <summary>
    /// The equipment events the station's inventory follows, and scheduling's work-order events its work-order history
    /// follows; the topics' other events are acknowledged.
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapStationsEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapEventHandler<TurnstileInstalled, TurnstileInstalledHandler>(Topics.Equipment);
        app.MapEventHandler<TurnstileDecommissioned, TurnstileDecommissionedHandler>(Topics.Equipment);
        app.MapEventHandler<CameraInstalled, CameraInstalledHandler>(Topics.Equipment);
        app.MapEventHandler<TurnstileCameraUninstalled, TurnstileCameraUninstalledHandler>(Topics.Equipment);
        app.MapEventHandler<WorkOrderCreated, WorkOrderCreatedHandler>(Topics.Scheduling);
        app.MapEventHandler<WorkOrderAssigned, WorkOrderAssignedHandler>(Topics.Scheduling);
        app.MapEventHandler<WorkOrderStarted, WorkOrderStartedHandler>(Topics.Scheduling);
        app.MapEventHandler<WorkOrderCompleted, WorkOrderCompletedHandler>(Topics.Scheduling);
        app.MapEventHandler<WorkOrderCancelled, WorkOrderCancelledHandler>(Topics.Scheduling);
        return app;
    }
}
